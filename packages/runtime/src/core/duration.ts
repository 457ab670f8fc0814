import { readDuration, type Duration } from './duration-parse.js';
import { InvalidArgumentError } from './errors.js';

export type { Duration } from './duration-parse.js';

/**
 * Converts a {@link Duration} to whole milliseconds.
 *
 * @throws InvalidArgumentError for negative, non-finite or unparseable values, naming `what`.
 * @example
 * parseDuration('5m') // 300000
 */
export function parseDuration(value: Duration, what = 'duration'): number {
  const reading = readDuration(value, what);
  if (!reading.ok) throw new InvalidArgumentError(reading.problem);
  return reading.ms;
}
