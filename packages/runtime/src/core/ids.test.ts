import { describe, expect, it } from 'vitest';

import { InvalidArgumentError } from './errors.js';
import { isRunId, newRunId, validateIdempotencyKey } from './ids.js';

describe('newRunId', () => {
  it('makes UUIDv7 ids that sort by time', () => {
    const early = newRunId(Date.UTC(2026, 0, 1));
    const late = newRunId(Date.UTC(2026, 0, 2));
    expect(early).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(isRunId(early)).toBe(true);
    expect(early < late).toBe(true);
    expect(new Set(Array.from({ length: 1000 }, () => newRunId(0))).size).toBe(1000);
  });

  it('recognises only run-shaped ids', () => {
    for (const id of ['', ' ', 'abc', '../etc/passwd', `${newRunId(0)} `]) expect(isRunId(id)).toBe(false);
  });
});

describe('validateIdempotencyKey', () => {
  it('accepts ordinary keys up to 256 bytes', () => {
    expect(validateIdempotencyKey('order-77')).toBe('order-77');
    expect(validateIdempotencyKey('é'.repeat(128))).toHaveLength(128);
  });

  it.each(['', '   ', '\t', 'x'.repeat(257), 'é'.repeat(129), 'a\u0000b', 'line\nbreak'])('refuses %j', (key) => {
    expect(() => validateIdempotencyKey(key)).toThrow(InvalidArgumentError);
  });
});
