import { InvalidArgumentError } from './errors.js';

/**
 * Durable key-value state with JSON values: `ctx.memory` for the run, `ctx.memory.agent()` for
 * an agent across its runs. Every call is journaled, so replay sees what the first execution saw.
 */
export interface Memory {
  /** The value stored under `key`, or undefined if there is none. */
  get<T = unknown>(key: string): Promise<T | undefined>;
  /**
   * Stores `value` (JSON: plain objects, arrays, strings, finite numbers, booleans, null; at
   * most the run's payload limit, 2 MiB by default) under `key`. Resolves with the key's new
   * version: 1 for its first write, one more for every write after it.
   */
  set(key: string, value: unknown): Promise<MemoryVersion>;
  /** Removes `key`; the removal counts as a write (its version goes up). */
  delete(key: string): Promise<MemoryVersion>;
}

/** `ctx.memory`: this run's memory, and the way to an agent's. */
export interface RunMemory extends Memory {
  /**
   * The memory of agent `name` (default: the workflow's `agent`, else its name), shared by every
   * run of every workflow naming that agent. Concurrent writers to one key: the last write wins;
   * the version each write returns tells a writer whether someone wrote in between.
   *
   * @example
   * const agent = ctx.memory.agent();
   * const seen = (await agent.get<string[]>('mismatches')) ?? [];
   * await agent.set('mismatches', [...seen, ...found]);
   */
  agent(name?: string): Memory;
}

export interface MemoryVersion {
  version: number;
}

export const MAX_MEMORY_KEY_LENGTH = 200;

/** Checks a memory key: a non-empty string of at most 200 characters, without control characters. */
export function validateMemoryKey(key: unknown, what = 'memory key'): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidArgumentError(`A ${what} must be a non-empty string; got ${JSON.stringify(key)}`);
  }
  if (key.length > MAX_MEMORY_KEY_LENGTH) {
    throw new InvalidArgumentError(
      `A ${what} must be at most ${MAX_MEMORY_KEY_LENGTH} characters: "${key.slice(0, 40)}…"`,
      { details: { length: key.length, max: MAX_MEMORY_KEY_LENGTH } },
    );
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) {
    throw new InvalidArgumentError(`A ${what} must not contain control characters: ${JSON.stringify(key)}`);
  }
  return key;
}
