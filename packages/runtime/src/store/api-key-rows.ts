import type { ApiKeyRecord, NewApiKey } from './api-key-store.js';

/** A row of the `api_keys` table, as both dialects return it. */
export interface ApiKeyRow {
  id: string;
  name: string;
  role: string;
  hash: string;
  created_at: number;
  created_by: string | null;
  expires_at: number | null;
  revoked_at: number | null;
  revoked_by: string | null;
  last_used_at: number | null;
}

export const API_KEY_COLUMNS =
  'id, name, role, hash, created_at, created_by, expires_at, revoked_at, revoked_by, last_used_at';

/** The columns a new key is inserted with, in order, and their values. */
export const API_KEY_INSERT_COLUMNS = 'id, name, role, hash, created_at, created_by, expires_at';

export function apiKeyInsertValues(key: NewApiKey): unknown[] {
  return [key.id, key.name, key.role, key.hash, key.now, key.createdBy, key.expiresAt];
}

export function toApiKeyRecord(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    hash: row.hash,
    createdAt: row.created_at,
    createdBy: row.created_by,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
    lastUsedAt: row.last_used_at,
  };
}
