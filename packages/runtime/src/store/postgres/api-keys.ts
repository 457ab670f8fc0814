import { ConflictError } from '../../core/errors.js';
import {
  API_KEY_COLUMNS,
  API_KEY_INSERT_COLUMNS,
  apiKeyInsertValues,
  toApiKeyRecord,
  type ApiKeyRow,
} from '../api-key-rows.js';
import { TOUCH_INTERVAL_MS, type ApiKeyRecord, type ApiKeyStore, type NewApiKey } from '../api-key-store.js';
import type { PgConnection } from './connection.js';

export class PgApiKeyStore implements ApiKeyStore {
  constructor(private readonly conn: PgConnection) {}

  async create(key: NewApiKey): Promise<ApiKeyRecord> {
    const [row] = await this.conn.query<ApiKeyRow>(
      `INSERT INTO api_keys (${API_KEY_INSERT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO NOTHING RETURNING ${API_KEY_COLUMNS}`,
      apiKeyInsertValues(key),
    );
    if (!row) throw new ConflictError('api_key_exists', `An API key with id ${key.id} already exists`, { path: 'id' });
    return toApiKeyRecord(row);
  }

  async get(id: string): Promise<ApiKeyRecord | null> {
    const [row] = await this.conn.query<ApiKeyRow>(`SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE id = $1`, [id]);
    return row ? toApiKeyRecord(row) : null;
  }

  async list(): Promise<ApiKeyRecord[]> {
    const rows = await this.conn.query<ApiKeyRow>(
      `SELECT ${API_KEY_COLUMNS} FROM api_keys ORDER BY created_at DESC, id DESC`,
    );
    return rows.map(toApiKeyRecord);
  }

  /** One statement: the row after the conditional update, or as it stood if it was revoked already. */
  async revoke(id: string, now: number, by: string | null): Promise<ApiKeyRecord | null> {
    const [row] = await this.conn.query<ApiKeyRow>(
      `WITH changed AS (
         UPDATE api_keys SET revoked_at = $2, revoked_by = $3 WHERE id = $1 AND revoked_at IS NULL
         RETURNING ${API_KEY_COLUMNS})
       SELECT ${API_KEY_COLUMNS} FROM changed
       UNION ALL SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM changed)`,
      [id, now, by],
    );
    return row ? toApiKeyRecord(row) : null;
  }

  async touch(id: string, now: number): Promise<boolean> {
    const rows = await this.conn.query<{ id: string }>(
      `UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $3)
       RETURNING id`,
      [id, now, now - TOUCH_INTERVAL_MS],
    );
    return rows.length > 0;
  }
}
