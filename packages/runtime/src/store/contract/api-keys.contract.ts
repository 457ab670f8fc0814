/** Contract cases for API keys: create once per id, list newest first, idempotent revoke, rate-limited touch. */
import { expect, it } from 'vitest';

import { ConflictError } from '../../core/errors.js';
import { TOUCH_INTERVAL_MS, type ApiKeyRecord, type NewApiKey } from '../api-key-store.js';
import type { ContractContext } from './context.js';

function newKey(now: number, overrides: Partial<NewApiKey> = {}): NewApiKey {
  return {
    id: 'a1b2c3d4e5f6',
    name: 'deploy bot',
    role: 'trigger',
    hash: 'cd'.repeat(32),
    createdBy: 'cli:ana',
    expiresAt: null,
    now,
    ...overrides,
  };
}

const stored = ({ now, ...key }: NewApiKey): ApiKeyRecord => ({
  ...key,
  createdAt: now,
  revokedAt: null,
  revokedBy: null,
  lastUsedAt: null,
});

export function apiKeysContract(ctx: () => ContractContext): void {
  it('creates a key once per id and lists every key newest first', async () => {
    const { store, clock } = ctx();
    const first = newKey(clock.now(), { expiresAt: clock.now() + 1000 });
    expect(await store.apiKeys.create(first)).toEqual(stored(first));
    expect(await store.apiKeys.get(first.id)).toEqual(stored(first));
    await expect(store.apiKeys.create(newKey(clock.now(), { name: 'other' }))).rejects.toSatisfy(
      (e) => ConflictError.is(e) && e.code === 'api_key_exists',
    );
    expect(await store.apiKeys.get('000000000000')).toBeNull();

    await clock.advance(5);
    // Two created in the same millisecond are ordered by id.
    const b = newKey(clock.now(), { id: 'bbbbbbbbbbbb', role: 'admin', createdBy: null });
    const c = newKey(clock.now(), { id: 'cccccccccccc', role: 'viewer' });
    await store.apiKeys.create(b);
    await store.apiKeys.create(c);
    expect(await store.apiKeys.list()).toEqual([stored(c), stored(b), stored(first)]);
  });

  it('revokes once: a second revocation keeps the first time and principal; an unknown id is null', async () => {
    const { store, clock } = ctx();
    const key = newKey(clock.now());
    await store.apiKeys.create(key);
    await clock.advance(10);
    const revoked = await store.apiKeys.revoke(key.id, clock.now(), 'key:ffffffffffff');
    expect(revoked).toEqual({ ...stored(key), revokedAt: clock.now(), revokedBy: 'key:ffffffffffff' });
    const firstAt = clock.now();
    await clock.advance(10);
    expect(await store.apiKeys.revoke(key.id, clock.now(), 'cli:bob')).toEqual(revoked);
    expect(await store.apiKeys.get(key.id)).toMatchObject({ revokedAt: firstAt, revokedBy: 'key:ffffffffffff' });
    expect((await store.apiKeys.list())[0]).toEqual(revoked);
    expect(await store.apiKeys.revoke('000000000000', clock.now(), null)).toBeNull();
  });

  it('records use at most once a minute per key', async () => {
    const { store, clock } = ctx();
    const key = newKey(clock.now());
    const other = newKey(clock.now(), { id: 'ffffffffffff' });
    await store.apiKeys.create(key);
    await store.apiKeys.create(other);
    const first = clock.now();
    expect(await store.apiKeys.touch(key.id, first)).toBe(true);
    expect(await store.apiKeys.touch(key.id, first + TOUCH_INTERVAL_MS - 1)).toBe(false);
    expect(await store.apiKeys.get(key.id)).toMatchObject({ lastUsedAt: first });
    // Another key is not held back by this one.
    expect(await store.apiKeys.touch(other.id, first + 1)).toBe(true);
    expect(await store.apiKeys.touch(key.id, first + TOUCH_INTERVAL_MS)).toBe(true);
    expect(await store.apiKeys.get(key.id)).toMatchObject({ lastUsedAt: first + TOUCH_INTERVAL_MS });
    expect(await store.apiKeys.touch('000000000000', first)).toBe(false);
  });
}
