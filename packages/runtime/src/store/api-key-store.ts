/** A key to store. Its secret is not here: only the secret's hash is ever stored. */
export interface NewApiKey {
  /** The public id, as in `vgl_<id>_<secret>`. */
  id: string;
  name: string;
  /** `admin`, `operator`, `trigger` or `viewer` (checked by governance/api-keys.ts). */
  role: string;
  /** SHA-256 of the secret, hex. */
  hash: string;
  /** The principal that created it. */
  createdBy: string | null;
  expiresAt: number | null;
  now: number;
}

/** A stored key. Times are epoch milliseconds. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  role: string;
  hash: string;
  createdAt: number;
  createdBy: string | null;
  expiresAt: number | null;
  revokedAt: number | null;
  revokedBy: string | null;
  /** The last request it authenticated, to within {@link TOUCH_INTERVAL_MS}. */
  lastUsedAt: number | null;
}

/** `touch` writes `lastUsedAt` at most this often per key, so requests do not each write. */
export const TOUCH_INTERVAL_MS = 60_000;

/**
 * The API keys aggregate. Keys are never deleted: a revoked or expired key stays listed (and
 * refused), so the principals recorded on runs and in the audit trail keep meaning something.
 */
export interface ApiKeyStore {
  /** @throws ConflictError `api_key_exists` when the id is taken. */
  create(key: NewApiKey): Promise<ApiKeyRecord>;
  get(id: string): Promise<ApiKeyRecord | null>;
  /** Every key, revoked and expired ones included, newest first. */
  list(): Promise<ApiKeyRecord[]>;
  /**
   * Revokes it from `now`, by `by`. Revoking a revoked key changes nothing (the first
   * revocation's time and principal stand). Null when there is no such key.
   */
  revoke(id: string, now: number, by: string | null): Promise<ApiKeyRecord | null>;
  /**
   * Records that the key was used at `now`, unless it was already recorded less than
   * {@link TOUCH_INTERVAL_MS} before. Whether it wrote.
   */
  touch(id: string, now: number): Promise<boolean>;
}
