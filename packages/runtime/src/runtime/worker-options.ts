// The worker's options, their defaults and their checks (worker.ts re-exports the public ones).
import { InvalidArgumentError } from '../core/errors.js';

export interface WorkerOptions {
  /** Unique per process; defaults to `<hostname>:<pid>:<random>`. */
  id?: string;
  /** Runs executed at once. Default 16. */
  concurrency?: number;
  /** How long a claim lasts without renewal. Default 10 s. */
  leaseTtlMs?: number;
  /** How often held leases are renewed. Default a fifth of the lease TTL (2 s for 10 s). */
  heartbeatMs?: number;
  /** Longest wait between looks for work when nothing wakes the worker sooner. Default 1 s. */
  pollMs?: number;
  /** On stop: how long in-flight steps may take to finish before their runs are handed back. Default 10 s. */
  shutdownGraceMs?: number;
}

export const WORKER_DEFAULTS = {
  concurrency: 16,
  leaseTtlMs: 10_000,
  heartbeatMs: 2_000,
  pollMs: 1_000,
  shutdownGraceMs: 10_000,
} as const;

/** Throws `InvalidArgumentError` unless every option is a positive number and the heartbeat is shorter than the lease. */
export function validateOptions(options: Required<Omit<WorkerOptions, 'id'>>): void {
  for (const [key, value] of Object.entries(options)) {
    if (!Number.isFinite(value) || value < (key === 'shutdownGraceMs' ? 0 : 1)) {
      throw new InvalidArgumentError(`Worker option ${key} must be a positive number; got ${value}`);
    }
  }
  if (options.heartbeatMs >= options.leaseTtlMs) {
    throw new InvalidArgumentError(
      `Worker heartbeat (${options.heartbeatMs} ms) must be shorter than the lease TTL (${options.leaseTtlMs} ms)`,
    );
  }
}

/** `value` without its undefined properties, so they do not override the defaults. */
export function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
