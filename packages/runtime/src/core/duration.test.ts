import { describe, expect, it } from 'vitest';

import { InvalidArgumentError } from './errors.js';
import { parseDuration, type Duration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['10s', 10_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['2d', 172_800_000],
    ['1.5s', 1500],
    [0, 0],
    [42, 42],
  ] as Array<[Duration, number]>)('reads %s as %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(['', '10', '5 minutes', '-1s', 'ms', '1w'])('refuses %j, saying what it expected', (input) => {
    expect(() => parseDuration(input as Duration, 'timeout')).toThrow(/timeout must be .* like '250ms'/);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses the number %d', (input) => {
    expect(() => parseDuration(input)).toThrow(InvalidArgumentError);
  });
});
