import { InvalidArgumentError } from './errors.js';

/** A duration: milliseconds as a number, or a string such as `'250ms'`, `'10s'`, `'5m'`, `'2h'`, `'2d'`. */
export type Duration = number | `${number}${DurationUnit}`;
type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';

const UNIT_MS: Record<DurationUnit, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/;

/**
 * Converts a {@link Duration} to whole milliseconds.
 *
 * @throws InvalidArgumentError for negative, non-finite or unparseable values, naming `what`.
 * @example
 * parseDuration('5m') // 300000
 */
export function parseDuration(value: Duration, what = 'duration'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new InvalidArgumentError(`${what} must be a finite, non-negative number of milliseconds; got ${value}`);
    }
    return Math.round(value);
  }
  const match = typeof value === 'string' ? PATTERN.exec(value) : null;
  if (!match) {
    throw new InvalidArgumentError(
      `${what} must be a number of milliseconds or a string like '250ms', '10s', '5m', '2h', '2d'; got ${JSON.stringify(value)}`,
    );
  }
  return Math.round(Number(match[1]) * UNIT_MS[match[2] as DurationUnit]);
}
