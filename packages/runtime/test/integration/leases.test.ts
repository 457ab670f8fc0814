/**
 * Lease behaviour across real processes: a CPU-bound step that starves its own heartbeat is
 * taken over and its late commit refused; SIGTERM hands runs back at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createVigil, type Vigil } from '../../src/compose.js';
import { busy, chain } from '../fixtures/workflows.js';
import { FIXTURES, VigilProcess, eventually, readLedger } from '../helpers/processes.js';

let dir: string;
let db: string;
let ledger: string;
let client: Vigil;
const processes: VigilProcess[] = [];

function worker(extra: string[]): VigilProcess {
  const child = new VigilProcess(['worker', '--db', db, '--load', FIXTURES, ...extra], { cwd: dir });
  processes.push(child);
  return child;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-leases-'));
  db = join(dir, 'vigil.db');
  ledger = join(dir, 'ledger.jsonl');
  client = createVigil({ database: db, workflows: [chain, busy] });
});
afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.kill()));
  await client.close();
  rmSync(dir, { recursive: true, force: true });
});

const status = async (id: string, wanted: string) => ((await client.getRun(id))?.status === wanted ? true : undefined);

describe('leases across processes', () => {
  it('fences out a worker whose busy loop starved its heartbeat past the lease', async () => {
    const a = worker(['--lease-ttl', '1000']);
    await a.waitFor(/worker started/);
    const { id } = await client.start(busy, { busyMs: 3000, ledger });
    await eventually(() => (readLedger(ledger).length === 1 ? true : undefined), 10_000, 'the busy step to start');
    const b = worker(['--lease-ttl', '1000']);

    await eventually(() => status(id, 'completed'), 20_000, 'the run to complete');
    // A's late commit of the spin step was refused: it logged the lost lease, and B's attempt is the record.
    await a.waitFor(/lost the lease/, 10_000);
    const run = await client.getRun(id);
    expect(run!.output).toEqual({ attempt: 2, spun: false });
    expect(run!.steps.map((s) => [s.name, s.attempts, s.status])).toEqual([
      ['spin', 2, 'completed'],
      ['after', 1, 'completed'],
    ]);
    expect(readLedger(ledger).map((l) => [l.step, l.attempt, l.pid])).toEqual([
      ['spin', 1, a.pid],
      ['spin', 2, b.pid],
      ['after', 1, b.pid],
    ]);
  });

  it('on SIGTERM lets the step in flight finish, hands the run back, and exits 0', async () => {
    const ttl = 30_000;
    const a = worker(['--lease-ttl', String(ttl), '--grace', '10000']);
    await a.waitFor(/worker started/);
    const { id } = await client.start(chain, { steps: 6, stepMs: 400, ledger });
    await eventually(() => (readLedger(ledger).length === 2 ? true : undefined), 10_000, 'two steps to start');
    const b = worker(['--lease-ttl', String(ttl)]);
    await b.waitFor(/worker started/);

    const stoppedAt = Date.now();
    await a.kill('SIGTERM');
    expect(await a.exit()).toBe(0);
    await eventually(() => status(id, 'completed'), 20_000, 'the run to complete');

    const lines = readLedger(ledger);
    // Every step ran exactly once: A's steps (the one in flight finishing during the drain), then B's.
    expect(lines.map((l) => l.step)).toEqual(['step-1', 'step-2', 'step-3', 'step-4', 'step-5', 'step-6']);
    const handover = lines.findIndex((l) => l.pid === b.pid);
    expect(handover).toBeGreaterThanOrEqual(2);
    expect(lines.map((l) => l.pid)).toEqual(lines.map((_, i) => (i < handover ? a.pid : b.pid)));
    const run = await client.getRun(id);
    expect(run!.steps.every((s) => s.attempts === 1)).toBe(true);
    // Handed back, not left to expire: B resumed long before the 30 s lease would have run out.
    expect(lines[handover]!.at - stoppedAt).toBeLessThan(5000);
  });
});
