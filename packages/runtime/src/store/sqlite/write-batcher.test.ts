import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

import { ConflictError } from '../../core/errors.js';
import { WriteBatcher, type TransactionTail } from './write-batcher.js';

function setup() {
  const db = new BetterSqlite3(':memory:');
  db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)');
  const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
  const rows = () => db.prepare('SELECT k, v FROM t ORDER BY k').all();
  return { db, insert, rows, batcher: new WriteBatcher(db) };
}

describe('WriteBatcher', () => {
  it('commits the writes of one turn in one transaction and resolves each with its value', async () => {
    const { insert, rows, batcher } = setup();
    const results = await Promise.all(['a', 'b', 'c'].map((k, i) => batcher.run(() => insert.run(k, i).changes)));
    expect(results).toEqual([1, 1, 1]);
    expect(batcher.stats).toEqual({ transactions: 1, writes: 3 });
    expect(rows()).toEqual([
      { k: 'a', v: 0 },
      { k: 'b', v: 1 },
      { k: 'c', v: 2 },
    ]);
  });

  it('rejects a write that refuses before writing, and commits the others', async () => {
    const { insert, rows, batcher } = setup();
    const results = await Promise.allSettled([
      batcher.run(() => insert.run('a', 1)),
      batcher.run(() => {
        throw new ConflictError('taken', 'no');
      }),
      batcher.run(() => insert.run('b', 2)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(rows()).toHaveLength(2);
    expect(batcher.stats.transactions).toBe(1);
  });

  it('rolls back a write that failed half way, alone, by redoing the batch with savepoints', async () => {
    const { insert, rows, batcher } = setup();
    let runs = 0;
    const results = await Promise.allSettled([
      batcher.run(() => insert.run('a', 1)),
      batcher.run(() => {
        runs++;
        insert.run('half', 1);
        insert.run('a', 2); // primary key violation after a write: the first insert must not survive
      }),
      batcher.run(() => insert.run('b', 2)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE constraint failed/);
    expect(runs).toBe(2);
    expect(rows()).toEqual([
      { k: 'a', v: 1 },
      { k: 'b', v: 2 },
    ]);
  });

  it('rejects every write when the transaction itself cannot commit', async () => {
    const { db, batcher } = setup();
    db.close();
    await expect(batcher.run(() => 1)).rejects.toThrow(/not open/);
  });

  it('runs what the writes left for the end of their transaction, without what failed writes left', async () => {
    const db = new BetterSqlite3(':memory:');
    db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)');
    const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
    let left: string[] = [];
    const tail: TransactionTail = {
      begin: () => (left = []),
      mark: () => left.length,
      undo: (mark) => (left.length = mark),
      finish: () => {
        expect(db.inTransaction).toBe(true);
        for (const k of left) insert.run(`tail:${k}`, 0);
      },
    };
    const batcher = new WriteBatcher(db, tail);
    const write = (k: string, fail?: 'refuse' | 'half') =>
      batcher.run(() => {
        left.push(k);
        if (fail === 'refuse') throw new ConflictError('taken', 'no');
        insert.run(k, 1);
        if (fail === 'half') insert.run('a', 2); // a primary key violation after a write
      });
    const results = await Promise.allSettled([
      write('a'),
      write('refused', 'refuse'),
      write('half', 'half'),
      write('b'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(db.prepare('SELECT k FROM t ORDER BY k').all()).toEqual([
      { k: 'a' },
      { k: 'b' },
      { k: 'tail:a' },
      { k: 'tail:b' },
    ]);
  });
});
