import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';

import { InvalidArgumentError, NotFoundError } from '../core/errors.js';

/** Which stored text to flip a bit in: a step row's output, error or policy detail, or the run's input. */
export type CheckpointField = 'output' | 'error' | 'detail' | 'input';

export interface CorruptCheckpointOptions {
  /** A SQLite file path (`sqlite:` prefix optional) or a `postgres://…` URL (`?schema=` honoured). */
  database: string;
  runId: string;
  /** The step row; default the highest-numbered step whose `field` is set. Ignored for `input`. */
  seq?: number;
  /** Default `output`. */
  field?: CheckpointField;
  /** The bit of the stored text's UTF-8 bytes to flip; default a random low bit of an ASCII byte. */
  bit?: number;
}

export interface CorruptedCheckpoint {
  runId: string;
  seq: number | null;
  field: CheckpointField;
  bit: number;
}

const FIELDS: readonly CheckpointField[] = ['output', 'error', 'detail', 'input'];

/**
 * Flips one bit of a stored checkpoint behind the engine's back, as a failing disk or a stray
 * write would: a direct UPDATE on the database, without the checksum. Vigil must detect it on
 * read and never use it silently (re-run an idempotent step, escalate otherwise).
 *
 * @example
 * await corruptCheckpoint({ database: '.vigil/vigil.db', runId, field: 'output' });
 */
export async function corruptCheckpoint(options: CorruptCheckpointOptions): Promise<CorruptedCheckpoint> {
  const field = options.field ?? 'output';
  if (!FIELDS.includes(field)) {
    throw new InvalidArgumentError(`corruptCheckpoint: field must be one of ${FIELDS.join(', ')}; got ${field}`);
  }
  const pick =
    field === 'input'
      ? `SELECT NULL AS seq, input AS text FROM runs WHERE id = $1`
      : `SELECT seq, ${field} AS text FROM steps WHERE run_id = $1 AND ${field} IS NOT NULL` +
        (options.seq === undefined ? ' ORDER BY seq DESC LIMIT 1' : ' AND seq = $2');
  const db = await open(options.database);
  try {
    const params = options.seq === undefined || field === 'input' ? [options.runId] : [options.runId, options.seq];
    const row = (await db.query(pick, params))[0] as { seq: number | null; text: string } | undefined;
    if (!row) {
      throw new NotFoundError(
        'checkpoint_not_found',
        `corruptCheckpoint: run ${options.runId} has no ${field}${options.seq === undefined ? '' : ` at step ${options.seq}`}`,
      );
    }
    const bytes = Buffer.from(row.text, 'utf8');
    const bit = options.bit ?? randomAsciiBit(bytes);
    if (!Number.isSafeInteger(bit) || bit < 0 || bit >= bytes.length * 8) {
      throw new InvalidArgumentError(`corruptCheckpoint: bit must be from 0 to ${bytes.length * 8 - 1}; got ${bit}`);
    }
    bytes[bit >> 3]! ^= 1 << (bit & 7);
    const seq = row.seq === null ? null : Number(row.seq);
    const text = bytes.toString('utf8');
    await (field === 'input'
      ? db.query(`UPDATE runs SET input = $1 WHERE id = $2`, [text, options.runId])
      : db.query(`UPDATE steps SET ${field} = $1 WHERE run_id = $2 AND seq = $3`, [text, options.runId, seq]));
    return { runId: options.runId, seq, field, bit };
  } finally {
    await db.close();
  }
}

/** A bit among the low seven of an ASCII byte, so the flipped text stays valid UTF-8. */
function randomAsciiBit(bytes: Buffer): number {
  const ascii = [...bytes.keys()].filter((i) => bytes[i]! < 0x80);
  if (ascii.length === 0) return Math.floor(Math.random() * bytes.length * 8);
  return ascii[Math.floor(Math.random() * ascii.length)]! * 8 + Math.floor(Math.random() * 7);
}

interface Connection {
  query(sql: string, params: unknown[]): Promise<unknown[]>;
  close(): Promise<void>;
}

async function open(database: string): Promise<Connection> {
  if (/^postgres(ql)?:\/\//.test(database)) {
    const url = new URL(database);
    const schema = url.searchParams.get('schema');
    url.searchParams.delete('schema');
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    if (schema) await client.query(`SET search_path TO ${pg.escapeIdentifier(schema)}`);
    return {
      query: async (sql, params) => (await client.query(sql, params)).rows as unknown[],
      close: () => client.end(),
    };
  }
  const db = new BetterSqlite3(database.replace(/^sqlite:/, ''), { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const positional = (sql: string): string => sql.replace(/\$\d+/g, '?');
  return {
    query: (sql, params) => {
      const statement = db.prepare(positional(sql));
      return Promise.resolve(statement.reader ? statement.all(...params) : (statement.run(...params), []));
    },
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}
