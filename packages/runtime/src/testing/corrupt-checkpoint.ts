import { randomInt } from 'node:crypto';

import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';

import { InvalidArgumentError } from '../core/errors.js';

/** A stored value {@link corruptCheckpoint} can flip a bit in. All but `input` are step-row columns. */
export type CorruptibleField = 'output' | 'error' | 'detail' | 'name' | 'kind' | 'status' | 'attempts' | 'input';

export const CORRUPTIBLE_FIELDS: readonly CorruptibleField[] = [
  'output',
  'error',
  'detail',
  'name',
  'kind',
  'status',
  'attempts',
  'input',
];

/** `attempts` is an integer column: its bits 0–30 can be flipped. */
const INTEGER_BITS = 31;

export interface CorruptCheckpointOptions {
  /** The run's database: a SQLite path (or `sqlite:<path>`) or a `postgres://` URL (`?schema=` honoured). */
  database: string;
  runId: string;
  /** The step whose row to damage. Default: the highest-numbered step with a value in `field`. Ignored for `input`. */
  seq?: number;
  /** Default `output`. `input` is the run's input, not a step's. */
  field?: CorruptibleField;
  /**
   * Which bit to flip: of a text value's UTF-8 bytes, byte `bit >> 3`, mask `1 << (bit & 7)`; of
   * `attempts`, bit `bit` (0–30) of the number. Default: a random one.
   */
  bit?: number;
}

/** What was flipped. `seq` is 0 for the run's input. */
export interface CorruptedCheckpoint {
  runId: string;
  seq: number;
  field: CorruptibleField;
  bit: number;
}

/**
 * Flips one bit in a stored checkpoint, as a failing disk or a buggy copy would, for tests and
 * chaos runs that prove corruption is detected and never used. The row is rewritten in place
 * without touching its checksum. The flip may leave invalid JSON or invalid UTF-8: SQLite
 * stores those bytes as they are; PostgreSQL refuses invalid UTF-8 and NUL in text, so there
 * the damaged bytes are stored as their lossy decoding (U+FFFD in place of bad sequences, NUL
 * as U+FFFD), which still differs from the original.
 *
 * @throws InvalidArgumentError when the run, the step or the value does not exist, or `bit` is
 *   outside the value.
 * @example
 * const hit = await corruptCheckpoint({ database: './.vigil/vigil.db', runId, field: 'output', bit: 13 });
 */
export async function corruptCheckpoint(options: CorruptCheckpointOptions): Promise<CorruptedCheckpoint> {
  const field = options.field ?? 'output';
  if (!CORRUPTIBLE_FIELDS.includes(field)) {
    throw new InvalidArgumentError(`field must be one of ${CORRUPTIBLE_FIELDS.join(', ')}; got ${String(field)}`);
  }
  const access = /^postgres(ql)?:\/\//i.test(options.database.trim())
    ? postgresAccess(options.database.trim())
    : sqliteAccess(options.database.trim().replace(/^sqlite:(\/\/)?/i, ''));
  try {
    const target = await access.read(options.runId, field, options.seq);
    if (target === null) {
      const where = field === 'input' ? '' : options.seq === undefined ? ' in any step' : ` at step ${options.seq}`;
      throw new InvalidArgumentError(`Run ${options.runId} has no stored ${field}${where} to corrupt`);
    }
    const bytes = Buffer.from(String(target.value), 'utf8');
    const bits = field === 'attempts' ? INTEGER_BITS : bytes.length * 8;
    const bit = options.bit ?? randomInt(bits);
    if (!Number.isSafeInteger(bit) || bit < 0 || bit >= bits) {
      throw new InvalidArgumentError(`bit must be an integer from 0 to ${bits - 1}; got ${bit}`);
    }
    if (field === 'attempts') {
      await access.write(options.runId, field, target.seq, Number(target.value) ^ (1 << bit));
    } else {
      bytes[bit >> 3]! ^= 1 << (bit & 7);
      await access.write(options.runId, field, target.seq, bytes);
    }
    return { runId: options.runId, seq: target.seq, field, bit };
  } finally {
    await access.close();
  }
}

interface Access {
  read(runId: string, field: CorruptibleField, seq: number | undefined): Promise<Row | null>;
  write(runId: string, field: CorruptibleField, seq: number, bytes: Buffer | number): Promise<void>;
  close(): Promise<void>;
}

function stepQuery(field: CorruptibleField, seq: number | undefined, param: (n: number) => string): string {
  const which = seq === undefined ? '' : ` AND seq = ${param(2)}`;
  return `SELECT seq, ${field} AS value FROM steps WHERE run_id = ${param(1)} AND ${field} IS NOT NULL${which} ORDER BY seq DESC LIMIT 1`;
}

function sqliteAccess(path: string): Access {
  const db = new BetterSqlite3(path);
  db.pragma('busy_timeout = 5000');
  return {
    read: (runId, field, seq) => {
      const row =
        field === 'input'
          ? (db.prepare('SELECT 0 AS seq, input AS value FROM runs WHERE id = ?').get(runId) as Row | undefined)
          : (db.prepare(stepQuery(field, seq, () => '?')).get(...(seq === undefined ? [runId] : [runId, seq])) as
              Row | undefined);
      return Promise.resolve(row ?? null);
    },
    write: (runId, field, seq, bytes) => {
      // CAST of a blob to TEXT keeps the bytes as they are, valid UTF-8 or not.
      if (typeof bytes === 'number') {
        db.prepare(`UPDATE steps SET ${field} = ? WHERE run_id = ? AND seq = ?`).run(bytes, runId, seq);
      } else if (field === 'input')
        db.prepare('UPDATE runs SET input = CAST(? AS TEXT) WHERE id = ?').run(bytes, runId);
      else
        db.prepare(`UPDATE steps SET ${field} = CAST(? AS TEXT) WHERE run_id = ? AND seq = ?`).run(bytes, runId, seq);
      return Promise.resolve();
    },
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}

function postgresAccess(database: string): Access {
  const url = new URL(database);
  const schema = url.searchParams.get('schema') ?? 'public';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(schema)) throw new InvalidArgumentError(`Bad schema name ${schema}`);
  url.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: url.toString() });
  const connected = client.connect();
  const table = (name: string): string => `"${schema}".${name}`;
  return {
    read: async (runId, field, seq) => {
      await connected;
      const text =
        field === 'input'
          ? `SELECT 0 AS seq, input AS value FROM ${table('runs')} WHERE id = $1`
          : stepQuery(field, seq, (n) => `$${n}`).replace('FROM steps', `FROM ${table('steps')}`);
      const { rows } = await client.query<Row>(text, field === 'input' || seq === undefined ? [runId] : [runId, seq]);
      return rows[0] ?? null;
    },
    write: async (runId, field, seq, bytes) => {
      await connected;
      const value =
        typeof bytes === 'number'
          ? bytes
          : new TextDecoder('utf-8', { fatal: false }).decode(bytes).replaceAll('\u0000', '\uFFFD');
      if (field === 'input') await client.query(`UPDATE ${table('runs')} SET input = $1 WHERE id = $2`, [value, runId]);
      else {
        await client.query(`UPDATE ${table('steps')} SET ${field} = $1 WHERE run_id = $2 AND seq = $3`, [
          value,
          runId,
          seq,
        ]);
      }
    },
    close: async () => {
      await connected.catch(() => undefined);
      await client.end();
    },
  };
}

interface Row {
  seq: number;
  /** Text, or the number of `attempts`. */
  value: string | number;
}
