import { readDuration } from '../duration-parse.js';
import { InvalidArgumentError } from '../errors.js';

/**
 * Reads and validates one options object (`retry`, `circuitBreaker`, ...) given to a Vigil API.
 * Every complaint is an {@link InvalidArgumentError} whose message starts with `where` and names
 * the field as `prefix.key` together with the bad value, so the user can find the line to fix.
 * An option set to `undefined` counts as unset.
 */
export class OptionReader {
  private constructor(
    private readonly where: string,
    private readonly prefix: string,
    private readonly values: Readonly<Record<string, unknown>>,
  ) {}

  /** Checks that `value` is a plain object with no keys outside `keys`. */
  static of(value: unknown, where: string, prefix: string, keys: readonly string[]): OptionReader {
    if (!isPlainObject(value)) {
      throw new InvalidArgumentError(`${where}: ${prefix} must be a plain object; got ${describeValue(value)}`, {
        path: prefix,
      });
    }
    const unknown = Object.keys(value).find((key) => !keys.includes(key));
    if (unknown !== undefined) {
      throw new InvalidArgumentError(
        `${where}: unknown option ${prefix}.${unknown} (expected one of ${keys.map((k) => `${prefix}.${k}`).join(', ')})`,
        { path: `${prefix}.${unknown}` },
      );
    }
    return new OptionReader(where, prefix, value);
  }

  /** The option's full name as the user wrote it, such as `retry.attempts`. */
  field(key: string): string {
    return `${this.prefix}.${key}`;
  }

  /** The raw value, or `undefined` when unset. */
  raw(key: string): unknown {
    return this.values[key];
  }

  /** Throws the error for `key` with `problem`, e.g. `must be at least 1`. */
  fail(key: string, problem: string): never {
    throw new InvalidArgumentError(`${this.where}: ${this.field(key)} ${problem}`, { path: this.field(key) });
  }

  /** A safe integer of at least 1. */
  positiveInteger(key: string): number | undefined {
    const value = this.values[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      this.fail(key, `must be a positive integer; got ${describeValue(value)}`);
    }
    return value;
  }

  /** A finite number for which `accept` holds; `expectation` completes "must be ...". */
  number(key: string, accept: (n: number) => boolean, expectation: string): number | undefined {
    const value = this.values[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || !accept(value)) {
      this.fail(key, `must be ${expectation}; got ${describeValue(value)}`);
    }
    return value;
  }

  /** A {@link Duration}, as whole milliseconds. */
  duration(key: string): number | undefined {
    const value = this.values[key];
    if (value === undefined) return undefined;
    const reading = readDuration(value, `${this.where}: ${this.field(key)}`);
    if (!reading.ok) throw new InvalidArgumentError(reading.problem, { path: this.field(key) });
    return reading.ms;
  }

  /** One of `choices`. */
  choice<T extends string>(key: string, choices: readonly T[]): T | undefined {
    const value = this.values[key];
    if (value === undefined) return undefined;
    if (!choices.includes(value as T)) {
      this.fail(key, `must be one of ${choices.map((c) => `'${c}'`).join(', ')}; got ${describeValue(value)}`);
    }
    return value as T;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A value as it reads in an error message; never throws. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'number':
    case 'bigint':
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'symbol':
      return value.toString();
    case 'function':
      return 'a function';
    default:
      if (value === null) return 'null';
      if (Array.isArray(value)) return 'an array';
      try {
        return JSON.stringify(value);
      } catch {
        return Object.prototype.toString.call(value);
      }
  }
}
