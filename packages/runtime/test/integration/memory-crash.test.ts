/**
 * A worker process SIGKILLed right after an agent-memory write: the standby worker replays the
 * write from the run's history and never applies it again. Executions are counted by an external
 * ledger; the memory row is read from the database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, expect, it } from 'vitest';

import { createVigil, type Vigil } from '../../src/compose.js';
import { counter } from '../fixtures/workflows.js';
import { FIXTURES, VigilProcess, eventually, readLedger } from '../helpers/processes.js';

let dir: string;
let db: string;
let ledger: string;
let client: Vigil;
const processes: VigilProcess[] = [];

function worker(env: Record<string, string> = {}): VigilProcess {
  const child = new VigilProcess(['worker', '--db', db, '--load', FIXTURES, '--lease-ttl', '1500'], { cwd: dir, env });
  processes.push(child);
  return child;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-memory-crash-'));
  db = join(dir, 'vigil.db');
  ledger = join(dir, 'ledger.jsonl');
  client = createVigil({ database: db, workflows: [counter] });
});

afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.kill()));
  await client.close();
  rmSync(dir, { recursive: true, force: true });
});

it('applies an agent-memory write once when its worker is killed right after it', async () => {
  // Dies on its first step body's return: after the memory write committed, before "after" did.
  const a = worker({ VIGIL_FAILPOINTS: 'step.after-body=kill@1' });
  await a.waitFor(/worker started/);
  const { id } = await client.start(counter, { ledger });
  await eventually(() => (readLedger(ledger).length === 1 ? true : undefined), 30_000, 'the first attempt');
  const b = worker();
  await b.waitFor(/worker started/);

  const result = await eventually(async () => {
    const run = await client.getRun(id);
    return run?.status === 'completed' ? run : undefined;
  }, 30_000);
  expect(result.output).toEqual({ count: 0, version: 1 });
  expect(readLedger(ledger).map((l) => [l.step, l.attempt, l.pid])).toEqual([
    ['after', 1, a.pid],
    ['after', 2, b.pid],
  ]);
  await client.ready();
  expect(await client.store.memory.get('test.counter', 'count')).toMatchObject({ value: '1', version: 1 });

  // The next run reads what the first one wrote.
  const next = await client.start(counter, { ledger });
  expect(await client.result(next.id, { signal: AbortSignal.timeout(30_000) })).toEqual({ count: 1, version: 2 });
});
