import { ConflictError } from '../../core/errors.js';
import {
  API_KEY_COLUMNS,
  API_KEY_INSERT_COLUMNS,
  apiKeyInsertValues,
  toApiKeyRecord,
  type ApiKeyRow,
} from '../api-key-rows.js';
import { TOUCH_INTERVAL_MS, type ApiKeyRecord, type ApiKeyStore, type NewApiKey } from '../api-key-store.js';
import type { SqliteConnection } from './connection.js';

const INSERT = `INSERT INTO api_keys (${API_KEY_INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO NOTHING RETURNING ${API_KEY_COLUMNS}`;
const SELECT_BY_ID = `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE id = ?`;
const LIST = `SELECT ${API_KEY_COLUMNS} FROM api_keys ORDER BY created_at DESC, id DESC`;
const REVOKE = 'UPDATE api_keys SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL';
const TOUCH = 'UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)';

export class SqliteApiKeyStore implements ApiKeyStore {
  constructor(private readonly conn: SqliteConnection) {}

  create(key: NewApiKey): Promise<ApiKeyRecord> {
    return this.conn.batcher.run(() => {
      const row = this.conn.statement(INSERT).get(...apiKeyInsertValues(key)) as ApiKeyRow | undefined;
      if (!row)
        throw new ConflictError('api_key_exists', `An API key with id ${key.id} already exists`, { path: 'id' });
      return toApiKeyRecord(row);
    });
  }

  get(id: string): Promise<ApiKeyRecord | null> {
    return Promise.resolve(this.select(id));
  }

  list(): Promise<ApiKeyRecord[]> {
    return Promise.resolve((this.conn.statement(LIST).all() as ApiKeyRow[]).map(toApiKeyRecord));
  }

  revoke(id: string, now: number, by: string | null): Promise<ApiKeyRecord | null> {
    return this.conn.batcher.run(() => {
      this.conn.statement(REVOKE).run(now, by, id);
      return this.select(id);
    });
  }

  touch(id: string, now: number): Promise<boolean> {
    return this.conn.batcher.run(() => this.conn.statement(TOUCH).run(now, id, now - TOUCH_INTERVAL_MS).changes > 0);
  }

  private select(id: string): ApiKeyRecord | null {
    const row = this.conn.statement(SELECT_BY_ID).get(id) as ApiKeyRow | undefined;
    return row ? toApiKeyRecord(row) : null;
  }
}
