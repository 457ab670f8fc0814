import { describe, expect, it } from 'vitest';

import { readDuration } from './duration-parse.js';

describe('readDuration', () => {
  it('reads numbers and unit strings as whole milliseconds', () => {
    expect(readDuration('1.5s', 'x')).toEqual({ ok: true, ms: 1500 });
    expect(readDuration(12.4, 'x')).toEqual({ ok: true, ms: 12 });
  });

  it('returns a problem naming the field instead of throwing, whatever the value', () => {
    expect(readDuration('soon', 'retry.maxDelay')).toEqual({
      ok: false,
      problem: `retry.maxDelay must be a number of milliseconds or a string like '250ms', '10s', '5m', '2h', '2d'; got "soon"`,
    });
    const problem = (value: unknown): string | undefined => {
      const reading = readDuration(value, 'x');
      return reading.ok ? undefined : reading.problem;
    };
    expect(problem(-5)).toBe('x must be a finite, non-negative number of milliseconds; got -5');
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expect(problem(circular)).toContain('got [object Object]');
    expect(problem(undefined)).toContain('got undefined');
  });
});
