// Number formatting and tables for RESULTS.md.
import type { Figures } from './stats.js';

/** `value` with `digits` significant digits, thousands separated. */
export function num(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  const magnitude = value === 0 ? 0 : Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

export const ms = (value: number, digits = 3): string => `${num(value, digits)} ms`;
export const ratio = (value: number): string => `${num(value, 2)}×`;
export const mb = (value: number): string => `${num(value, 3)} MB`;
export const pct = (value: number): string => `${num(value, 2)} %`;
export const status = (met: boolean): string => (met ? '**met**' : '**not met**');

/** The per-round values of `key`, in run order, as `a / b / c`. */
export function perRound<T extends Figures<T>>(
  rounds: readonly T[],
  key: keyof T,
  format: (value: number) => string = (value) => num(value),
): string {
  return rounds.map((round) => format(round[key])).join(' / ');
}

/** A markdown table from a header row and body rows. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Lines of prose joined into one paragraph (prettier keeps markdown prose as written). */
export function paragraph(...lines: string[]): string {
  return lines.join(' ');
}
