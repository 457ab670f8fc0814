import { randomFillSync } from 'node:crypto';

import { InvalidArgumentError } from './errors.js';

/**
 * A new run id: a UUID version 7 (RFC 9562), so ids sort by creation time and index well.
 * The timestamp comes from the caller's clock.
 */
export function newRunId(nowMs: number): string {
  // Handed out once: written in place.
  const bytes = takeRandom(16);
  let ms = Math.max(0, Math.floor(nowMs));
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Random bytes filled 4 KiB at a time (one call to the CSPRNG per 256 ids), each handed out once. */
const pool = Buffer.alloc(4096);
let poolUsed = pool.length;

function takeRandom(count: number): Buffer {
  if (poolUsed + count > pool.length) {
    randomFillSync(pool);
    poolUsed = 0;
  }
  poolUsed += count;
  return pool.subarray(poolUsed - count, poolUsed);
}

const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether `id` has the shape of a run id; checked at the edge so junk never reaches the store. */
export function isRunId(id: string): boolean {
  return RUN_ID.test(id);
}

/** The most bytes an idempotency key may have. */
export const MAX_IDEMPOTENCY_KEY_BYTES = 256;

/** How long an idempotency key (or an event's id) holds its run (event) unless configured: 24 h. */
export const DEFAULT_IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * Checks a caller-supplied idempotency key: empty, whitespace-only, over-long keys and keys
 * with control characters are refused, so a bad key can never collapse unrelated triggers.
 */
export function validateIdempotencyKey(key: string): string {
  if (key.trim().length === 0) {
    throw new InvalidArgumentError('The idempotency key must not be empty or only whitespace', {
      path: 'idempotencyKey',
    });
  }
  if (Buffer.byteLength(key, 'utf8') > MAX_IDEMPOTENCY_KEY_BYTES) {
    throw new InvalidArgumentError(`The idempotency key must be at most ${MAX_IDEMPOTENCY_KEY_BYTES} bytes`, {
      path: 'idempotencyKey',
    });
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) {
    throw new InvalidArgumentError('The idempotency key must not contain control characters', {
      path: 'idempotencyKey',
    });
  }
  return key;
}
