import { describe, expect, it } from 'vitest';

import { sha256 } from '../core/checksum.js';
import { stepChecksum, stepRowMatches } from './checkpoint-checksum.js';

const step = { seq: 3, name: 'charge', kind: 'tool' as const, status: 'completed' as const, attempts: 2 };

describe('step checksums', () => {
  it('cover every field replay reads, the attempt count included', () => {
    const sum = stepChecksum(step, '{"a":1}', null, '{"failed":1}');
    expect(stepRowMatches(step, '{"a":1}', null, '{"failed":1}', sum)).toBe(true);
    expect(stepRowMatches({ ...step, attempts: 3 }, '{"a":1}', null, '{"failed":1}', sum)).toBe(false);
    expect(stepRowMatches({ ...step, status: 'failed' }, '{"a":1}', null, '{"failed":1}', sum)).toBe(false);
    expect(stepRowMatches({ ...step, name: 'chargf' }, '{"a":1}', null, '{"failed":1}', sum)).toBe(false);
    expect(stepRowMatches(step, '{"a":3}', null, '{"failed":1}', sum)).toBe(false);
    expect(stepRowMatches(step, '{"a":1}', '{}', '{"failed":1}', sum)).toBe(false);
    expect(stepRowMatches(step, '{"a":1}', null, '{"failed":3}', sum)).toBe(false);
  });

  it('still verify rows written before attempts were covered, with and without detail', () => {
    const text = `3\u0000tool\u0000charge\u0000completed\u0000{"a":1}\u0000`;
    expect(stepRowMatches(step, '{"a":1}', null, null, sha256(text))).toBe(true);
    expect(stepRowMatches(step, '{"a":1}', null, '{}', sha256(`${text}\u0000{}`))).toBe(true);
    expect(stepRowMatches(step, '{"a":2}', null, null, sha256(text))).toBe(false);
  });
});
