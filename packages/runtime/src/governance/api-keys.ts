import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

import { readDuration } from '../core/duration-parse.js';
import { InvalidArgumentError } from '../core/errors.js';

/** Roles, from most to least powerful. A key has exactly one. */
export const ROLES = ['admin', 'operator', 'trigger', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a route may need: `read` (every GET), `trigger` (start runs, send events), `operate`
 * (cancel, replay, resolve, reset, pause/resume/trigger schedules) and `admin` (add and remove
 * schedules, manage keys).
 */
export const PERMISSIONS = ['read', 'trigger', 'operate', 'admin'] as const;
export type Permission = (typeof PERMISSIONS)[number];

/**
 * Each role's permissions. `trigger` cannot read: a system that only starts runs (a webhook
 * relay, a cron job elsewhere) needs to see nothing of other runs.
 */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  viewer: ['read'],
  trigger: ['trigger'],
  operator: ['read', 'trigger', 'operate'],
  admin: ['read', 'trigger', 'operate', 'admin'],
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function roleAllows(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

/** The public half of a key: 12 hex characters, shown in lists and recorded as `key:<id>`. */
const KEY_ID = /^[0-9a-f]{12}$/;
/**
 * `vgl_<id>_<secret>`: the secret is 32 random bytes in base64url (43 characters, which may
 * themselves hold `_` and `-`, so the id is fixed-length and the secret is the rest).
 */
const KEY_FORMAT = /^vgl_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export function isKeyId(value: string): boolean {
  return KEY_ID.test(value);
}

/** A newly made key: the full key, shown once, and what is stored of it. */
export interface GeneratedKey {
  id: string;
  /** `vgl_<id>_<secret>`: give it to the caller once; it is not stored anywhere. */
  key: string;
  /** SHA-256 of the secret, hex. */
  hash: string;
}

export function generateApiKey(): GeneratedKey {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, key: `vgl_${id}_${secret}`, hash: hashSecret(secret) };
}

/** The id and secret of a presented key, or null when it does not have the key format. */
export function parseApiKey(presented: string): { id: string; secret: string } | null {
  const match = KEY_FORMAT.exec(presented);
  return match ? { id: match[1]!, secret: match[2]! } : null;
}

/**
 * SHA-256 of the secret, hex. A plain fast hash is enough here, unlike for passwords: the
 * secret is 256 random bits, so a stolen hash cannot be reversed by guessing however fast
 * guesses are, and a slow hash would only add milliseconds to every request.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * Whether `secret` is the one `storedHash` was made from. Both sides are SHA-256 digests of
 * equal length, compared in constant time, so the answer's timing says nothing about how many
 * leading bytes matched.
 */
export function secretMatches(secret: string, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, 'hex');
  const actual = createHash('sha256').update(secret, 'utf8').digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * When a key given `expires` should expire: a duration from now (`30d`, `12h`) or an ISO 8601
 * date or date-time. It must lie in the future.
 *
 * @throws InvalidArgumentError (path `expires`)
 */
export function parseKeyExpiry(expires: string, now: number): number {
  const text = expires.trim();
  const duration = readDuration(text, 'expires');
  let at: number;
  if (duration.ok) at = now + duration.ms;
  else if (/^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(Date.parse(text))) at = Date.parse(text);
  else {
    throw new InvalidArgumentError(
      `expires must be a duration such as 30d or 12h, or an ISO date such as 2030-01-31; got ${JSON.stringify(expires)}`,
      { path: 'expires' },
    );
  }
  if (at <= now) {
    throw new InvalidArgumentError(`expires must be in the future; ${JSON.stringify(expires)} is not`, {
      path: 'expires',
    });
  }
  return at;
}

/** A key's name: 1–100 printable characters, for people to tell keys apart. */
export function validateKeyName(name: unknown): string {
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > 100 || /\p{Cc}/u.test(name)) {
    throw new InvalidArgumentError('name must be 1–100 printable characters', { path: 'name' });
  }
  return name;
}
