import type pg from 'pg';

import { sha256 } from '../../core/checksum.js';
import { hasCode, VigilError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { pgDriver } from './pg-driver.js';

export interface PgConnectionOptions {
  url: string;
  /** Schema for Vigil's tables (created if missing); default `public`. Letters, digits and `_`. */
  schema?: string;
  /** Connections in the pool. Default 10. */
  poolSize?: number;
  /** How long a statement keeps being retried while the database is unreachable. Default 15 s. */
  retryForMs?: number;
  /**
   * How long one attempt to open a connection (or to wait for a free one in the pool) may take
   * before it fails; `pg` alone would wait forever on a host that drops packets. Default 10 s.
   */
  connectTimeoutMs?: number;
  logger: Logger;
}

/** The default of {@link PgConnectionOptions.connectTimeoutMs}. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

const BIGINT_OID = 20;
/** SQLSTATEs worth retrying: serialization failure, deadlock, too many connections, shutdowns. */
const TRANSIENT_STATES = new Set(['40001', '40P01', '53300', '57P01', '57P02', '57P03']);
/** Transient, yet the database answered: a conflict between transactions, not an unreachable server. */
const CONFLICT_STATES = new Set(['40001', '40P01']);
const TRANSIENT_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND']);

/** BIGINT columns hold epoch milliseconds and lease epochs: well inside Number's safe range. */
function parseBigintsAsNumbers(oid: number, format?: 'text'): (value: string) => unknown {
  if (oid === BIGINT_OID) return Number;
  return pgDriver().types.getTypeParser(oid, format) as (value: string) => unknown;
}

/** Whether `error` says the database was briefly unreachable, rather than that the statement was wrong. */
export function isTransient(error: unknown): boolean {
  if (hasCode(error, 'store_unavailable')) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (
    typeof code === 'string' &&
    (code.startsWith('08') || TRANSIENT_STATES.has(code) || TRANSIENT_NODE_CODES.has(code))
  ) {
    return true;
  }
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|connection error|timeout exceeded when trying to connect|Client was closed/i.test(
    message,
  );
}

/** Statements inside {@link PgConnection.transaction}, all on the transaction's connection. */
export interface PgTransaction {
  query<Row>(text: string, params?: unknown[]): Promise<Row[]>;
}

/**
 * The pool every PostgreSQL aggregate shares. Each Vigil write is one statement, and so one
 * implicit transaction and one round trip: a statement that fails on a dropped connection can be
 * sent again whole, because every write is an idempotent upsert fenced by the lease epoch (a
 * group commit's statement too: each run in it is fenced on its own lease).
 * The one exception, circuit breakers, decides under a row lock in a `transaction`.
 */
export class PgConnection {
  readonly pool: pg.Pool;
  readonly schema: string;
  private readonly retryForMs: number;
  private readonly names = new Map<string, string>();

  constructor(private readonly options: PgConnectionOptions) {
    this.schema = options.schema ?? 'public';
    this.retryForMs = options.retryForMs ?? 15_000;
    this.pool = new (pgDriver().Pool)({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      application_name: 'vigil',
      options: `-c search_path=${this.schema}`,
      types: { getTypeParser: parseBigintsAsNumbers as typeof pg.types.getTypeParser },
    });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    this.pool.on('error', (error) =>
      options.logger.warn('an idle database connection failed', { error: error.message }),
    );
  }

  /**
   * Runs one statement, retrying with backoff while the database is unreachable. Statements
   * are prepared once per connection (named after their text): Vigil's statements have a fixed
   * shape, and planning them afresh each time cost more than executing them.
   */
  query<Row>(text: string, params: unknown[] = []): Promise<Row[]> {
    return this.retrying(async () => (await this.pool.query(this.prepared(text, params))).rows as Row[]);
  }

  /**
   * Runs `fn` in one transaction on one pooled connection (BEGIN … COMMIT; ROLLBACK if it
   * throws), for the few writes that must read under a row lock before they decide (circuit
   * breakers). Every other write is a single statement: prefer `query`.
   *
   * While the database is unreachable, or on a deadlock or serialization failure, the whole
   * transaction is run again, `fn` included. A connection lost during COMMIT leaves it unknown
   * whether the first run committed, so `fn` must re-read what it depends on (it does, under
   * its locks) and accept being applied twice in that rare case.
   */
  transaction<T>(fn: (tx: PgTransaction) => Promise<T>): Promise<T> {
    return this.retrying(async () => {
      const client = await this.pool.connect();
      // A checked-out client has no listener of the pool's: a connection the server ends while
      // `fn` runs between statements (a restart, a terminated backend) would emit an 'error'
      // nobody hears and crash the process. Its next statement fails instead, and is retried.
      const onError = (error: Error): void =>
        this.options.logger.warn('a database connection failed during a transaction', { error: error.message });
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await fn({
          query: async <Row>(text: string, params: unknown[] = []) =>
            (await client.query(this.prepared(text, params))).rows as Row[],
        });
        await client.query('COMMIT');
        client.off('error', onError);
        client.release();
        return result;
      } catch (error) {
        // A connection that failed is destroyed rather than handed back to the pool.
        const broken =
          isTransient(error) ||
          (await client.query('ROLLBACK').then(
            () => false,
            () => true,
          ));
        client.off('error', onError);
        client.release(broken ? (error instanceof Error ? error : true) : undefined);
        throw error;
      }
    });
  }

  private async retrying<T>(op: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.retryForMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await op();
      } catch (error) {
        if (!isTransient(error)) throw error;
        if (Date.now() >= deadline) throw this.unavailable(error);
        const delay = Math.min(1000, 25 * 2 ** attempt) * (0.5 + Math.random() / 2);
        if (attempt === 1) this.options.logger.warn('the database is unreachable; retrying', { error: String(error) });
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /**
   * The error a statement fails with once the database stayed unreachable for the whole retry
   * window: `store_unavailable` (HTTP 503, worth retrying later), naming the server and the
   * driver's own error (kept as `cause`). A conflict between transactions keeps its SQLSTATE.
   */
  private unavailable(error: unknown): unknown {
    const code = (error as { code?: unknown } | null)?.code;
    if (hasCode(error, 'store_unavailable') || (typeof code === 'string' && CONFLICT_STATES.has(code))) return error;
    const reason = error instanceof Error ? error.message || error.name : String(error);
    return new VigilError(
      'store_unavailable',
      `The PostgreSQL database at ${describeUrl(this.options.url)} could not be reached for ${this.retryForMs} ms: ${reason}` +
        (typeof code === 'string' ? ` (${code})` : ''),
      { cause: error, retryable: true },
    );
  }

  private prepared(text: string, values: unknown[]): pg.QueryConfig {
    return { name: this.statementName(text), text, values };
  }

  private statementName(text: string): string {
    let name = this.names.get(text);
    if (!name) {
      name = `vigil_${sha256(text).slice(0, 24)}`;
      this.names.set(text, name);
    }
    return name;
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** host:port/database, never the password. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

/** Checks a schema name before it goes into SQL. */
export function validSchema(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`Schema name ${JSON.stringify(schema)} must be lower-case letters, digits and _`);
  }
  return schema;
}
