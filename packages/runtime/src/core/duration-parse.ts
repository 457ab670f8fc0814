/**
 * The arithmetic of {@link Duration}s, with no imports, so both `duration.ts` and `errors.ts`
 * can use it without an import cycle (`duration.ts` throws errors from `errors.ts`). Callers
 * turn a problem into the error of their choice; `parseDuration` is the public entry point.
 */

/** A duration: milliseconds as a number, or a string such as `'250ms'`, `'10s'`, `'5m'`, `'2h'`, `'2d'`. */
export type Duration = number | `${number}${DurationUnit}`;

/** The units a duration string may end with. */
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';

const UNIT_MS: Record<DurationUnit, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/;

/** A duration read as whole milliseconds, or the sentence explaining why it could not be. */
export type DurationReading = { ok: true; ms: number } | { ok: false; problem: string };

/**
 * Reads `value` as whole milliseconds. Never throws: a bad value yields a `problem` that
 * starts with `what`, ready to become an error message.
 */
export function readDuration(value: unknown, what: string): DurationReading {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      return { ok: false, problem: `${what} must be a finite, non-negative number of milliseconds; got ${value}` };
    }
    return { ok: true, ms: Math.round(value) };
  }
  const match = typeof value === 'string' ? PATTERN.exec(value) : null;
  if (!match) {
    return {
      ok: false,
      problem: `${what} must be a number of milliseconds or a string like '250ms', '10s', '5m', '2h', '2d'; got ${describe(value)}`,
    };
  }
  return { ok: true, ms: Math.round(Number(match[1]) * UNIT_MS[match[2] as DurationUnit]) };
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
