import type { Clock } from '../core/clock.js';
import { InvalidArgumentError, isVigilError, NotFoundError, VigilError } from '../core/errors.js';
import { AuthenticationError } from '../core/governance-errors.js';
import {
  ROLES,
  generateApiKey,
  isKeyId,
  isRole,
  parseApiKey,
  parseKeyExpiry,
  secretMatches,
  validateKeyName,
  type Role,
} from '../governance/api-keys.js';
import { CODE_PRINCIPAL, keyPrincipal, type Principal } from '../governance/principal.js';
import { TOUCH_INTERVAL_MS, type ApiKeyRecord } from '../store/api-key-store.js';
import type { Store } from '../store/store.js';
import type { RuntimeEvents } from './events.js';

export interface CreateKey {
  role: string;
  /** For people to tell keys apart. Default `<role> key`. */
  name?: string;
  /** A duration from now (`30d`) or an ISO date; default never. */
  expires?: string;
  /** Who creates it: `key:<id>` over HTTP, `cli:<user>` from `vigil keys`; default `code`. */
  principal?: string | null;
}

/** A key as lists show it. Never carries the key or its hash. Times are ISO 8601. */
export interface ApiKeyView {
  id: string;
  name: string;
  role: string;
  status: 'active' | 'revoked' | 'expired';
  createdAt: string;
  createdBy: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  lastUsedAt: string | null;
}

/** A new key: the only time the key itself is ever returned. */
export interface CreatedKey extends ApiKeyView {
  key: string;
}

/** Who a request's key says is calling. */
export interface Caller {
  keyId: string;
  name: string;
  role: Role;
  principal: Principal;
}

/**
 * API keys: create (the key is returned once; only its secret's hash is stored), list, revoke,
 * and authenticate a presented key. Used by the HTTP API and by `vigil keys` on the database
 * directly. Emits `key.created` and `key.revoked`, never with the key.
 */
export class KeyClient {
  /**
   * When this process last recorded each key's use. A burst of requests with one key then
   * writes once, not once per request that saw the old time before the first write committed.
   */
  private readonly touched = new Map<string, number>();
  /**
   * Lookups in flight, by key id: requests that arrive while one is running share its answer
   * instead of each querying the store. Nothing is kept once it settles, so a revocation is
   * seen by the next request after it committed (a shared answer is as fresh as the request
   * that started it, which came no earlier than the ones that share it).
   */
  private readonly lookups = new Map<string, Promise<ApiKeyRecord | null>>();

  constructor(private readonly deps: { store: Store; clock: Clock; events: RuntimeEvents }) {}

  /** @throws InvalidArgumentError naming `role`, `name` or `expires` */
  async create(request: CreateKey): Promise<CreatedKey> {
    if (!isRole(request.role)) {
      throw new InvalidArgumentError(`role must be one of ${ROLES.join(', ')}; got ${JSON.stringify(request.role)}`, {
        path: 'role',
      });
    }
    const name = validateKeyName(request.name ?? `${request.role} key`);
    const now = this.deps.clock.now();
    const expiresAt = request.expires === undefined ? null : parseKeyExpiry(request.expires, now);
    const made = generateApiKey();
    const principal = request.principal ?? CODE_PRINCIPAL;
    const record = await this.deps.store.apiKeys.create({
      id: made.id,
      name,
      role: request.role,
      hash: made.hash,
      createdBy: principal,
      expiresAt,
      now,
    });
    this.deps.events.emit('key.created', { keyId: record.id, name, role: record.role, expiresAt, principal });
    return { ...toApiKeyView(record, now), key: made.key };
  }

  /** Every key, newest first, revoked and expired ones marked as such. */
  async list(): Promise<ApiKeyView[]> {
    const now = this.deps.clock.now();
    return (await this.deps.store.apiKeys.list()).map((record) => toApiKeyView(record, now));
  }

  /**
   * Revokes a key: from now on it is refused. Revoking a revoked key changes nothing and emits
   * nothing.
   *
   * @throws NotFoundError `api_key_not_found`
   */
  async revoke(id: string, principal: string | null = CODE_PRINCIPAL): Promise<ApiKeyView> {
    const before = isKeyId(id) ? await this.deps.store.apiKeys.get(id) : null;
    if (!before)
      throw new NotFoundError('api_key_not_found', `No API key with id ${JSON.stringify(id)}`, { path: 'id' });
    const now = this.deps.clock.now();
    if (before.revokedAt !== null) return toApiKeyView(before, now);
    const record = await this.deps.store.apiKeys.revoke(id, now, principal);
    if (!record)
      throw new NotFoundError('api_key_not_found', `No API key with id ${JSON.stringify(id)}`, { path: 'id' });
    this.deps.events.emit('key.revoked', { keyId: id, principal });
    return toApiKeyView(record, now);
  }

  /**
   * Who `presented` (the `Authorization: Bearer` value) belongs to. The secret is checked
   * before the key's state, so someone who knows only an id learns nothing of it. Records the
   * use at most once a minute.
   *
   * @throws AuthenticationError `api_key_missing`, `api_key_malformed`, `api_key_invalid`,
   *   `api_key_revoked`, `api_key_expired`
   */
  async authenticate(presented: string | undefined): Promise<Caller> {
    if (presented === undefined || presented === '') {
      throw new AuthenticationError(
        'api_key_missing',
        'This route needs an API key: send `Authorization: Bearer <key>`',
      );
    }
    const parsed = parseApiKey(presented);
    if (!parsed) {
      throw new AuthenticationError('api_key_malformed', 'The API key is not of the form vgl_<id>_<secret>');
    }
    const record = await this.lookup(parsed.id);
    if (!record || !secretMatches(parsed.secret, record.hash) || !isRole(record.role)) {
      throw new AuthenticationError('api_key_invalid', 'The API key is not valid');
    }
    const now = this.deps.clock.now();
    if (record.revokedAt !== null) {
      throw new AuthenticationError('api_key_revoked', `API key ${record.id} was revoked`);
    }
    if (record.expiresAt !== null && record.expiresAt <= now) {
      throw new AuthenticationError(
        'api_key_expired',
        `API key ${record.id} expired at ${new Date(record.expiresAt).toISOString()}`,
      );
    }
    const lastUsed = Math.max(record.lastUsedAt ?? -Infinity, this.touched.get(record.id) ?? -Infinity);
    if (lastUsed <= now - TOUCH_INTERVAL_MS) {
      this.touched.set(record.id, now);
      await unavailableOnFailure(() => this.deps.store.apiKeys.touch(record.id, now));
    }
    return { keyId: record.id, name: record.name, role: record.role, principal: keyPrincipal(record.id) };
  }

  private lookup(id: string): Promise<ApiKeyRecord | null> {
    let pending = this.lookups.get(id);
    if (!pending) {
      pending = unavailableOnFailure(() => this.deps.store.apiKeys.get(id)).finally(() => this.lookups.delete(id));
      this.lookups.set(id, pending);
    }
    return pending;
  }

  /** Whether some admin key is neither revoked nor expired (`vigil server` says how to make one if not). */
  async hasActiveAdmin(): Promise<boolean> {
    return (await this.list()).some((key) => key.role === 'admin' && key.status === 'active');
  }

  /** Revokes every active key with this name; the ids it revoked. */
  async revokeNamed(name: string, principal: string | null): Promise<string[]> {
    const named = (await this.list()).filter((key) => key.name === name && key.status !== 'revoked');
    for (const key of named) await this.revoke(key.id, principal);
    return named.map((key) => key.id);
  }
}

/**
 * A key cannot be checked without the store: a store that does not answer (closed, unreachable)
 * is a `store_unavailable` error (HTTP 503, worth retrying), not an internal error (500). A
 * Vigil error the store raised keeps its code.
 */
async function unavailableOnFailure<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isVigilError(error)) throw error;
    throw new VigilError('store_unavailable', `The store did not answer the API key check: ${String(error)}`, {
      cause: error,
      retryable: true,
    });
  }
}

const isoOrNull = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function toApiKeyView(record: ApiKeyRecord, now: number): ApiKeyView {
  return {
    id: record.id,
    name: record.name,
    role: record.role,
    status:
      record.revokedAt !== null
        ? 'revoked'
        : record.expiresAt !== null && record.expiresAt <= now
          ? 'expired'
          : 'active',
    createdAt: new Date(record.createdAt).toISOString(),
    createdBy: record.createdBy,
    expiresAt: isoOrNull(record.expiresAt),
    revokedAt: isoOrNull(record.revokedAt),
    revokedBy: record.revokedBy,
    lastUsedAt: isoOrNull(record.lastUsedAt),
  };
}
