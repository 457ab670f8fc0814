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
    // Two workers; whichever claims the run blocks its event loop for 3 s on attempt 1, three
    // times its lease TTL, and the other takes the run over.
    const workers = [worker(['--lease-ttl', '1000']), worker(['--lease-ttl', '1000'])];
    await Promise.all(workers.map((w) => w.waitFor(/worker started/)));
    const { id } = await client.start(busy, { busyMs: 3000, ledger });

    await eventually(() => status(id, 'completed'), 30_000, 'the run to complete');
    const lines = readLedger(ledger);
    const first = workers.find((w) => w.pid === lines[0]!.pid)!;
    const second = workers.find((w) => w !== first)!;
    // The first worker's late commit of the spin step was refused: it logged the lost lease.
    await first.waitFor(/lost the lease/, 10_000);
    const run = await client.getRun(id);
    expect(run!.output).toEqual({ attempt: 2, spun: false });
    expect(run!.steps.map((s) => [s.name, s.attempts, s.status])).toEqual([
      ['spin', 2, 'completed'],
      ['after', 1, 'completed'],
    ]);
    expect(lines.map((l) => [l.step, l.attempt, l.pid])).toEqual([
      ['spin', 1, first.pid],
      ['spin', 2, second.pid],
      ['after', 1, second.pid],
    ]);
  });

  it('on SIGTERM lets the step in flight finish, hands the run back, and exits 0', async () => {
    const ttl = 30_000;
    const a = worker(['--lease-ttl', String(ttl), '--grace', '10000']);
    await a.waitFor(/worker started/);
    // Long enough (6 s) that A is still at it once B has started, even on a busy machine.
    const { id } = await client.start(chain, { steps: 20, stepMs: 300, ledger });
    await eventually(() => (readLedger(ledger).length === 2 ? true : undefined), 10_000, 'two steps to start');
    const b = worker(['--lease-ttl', String(ttl)]);
    await b.waitFor(/worker started/);

    const stoppedAt = Date.now();
    await a.kill('SIGTERM');
    expect(await a.exit()).toBe(0);
    await eventually(() => status(id, 'completed'), 40_000, 'the run to complete');

    const lines = readLedger(ledger);
    // Every step ran exactly once: A's steps (the one in flight finishing during the drain), then B's.
    expect(lines.map((l) => l.step)).toEqual(Array.from({ length: 20 }, (_, i) => `step-${i + 1}`));
    const handover = lines.findIndex((l) => l.pid === b.pid);
    expect(handover).toBeGreaterThanOrEqual(2);
    expect(lines.map((l) => l.pid)).toEqual(lines.map((_, i) => (i < handover ? a.pid : b.pid)));
    const run = await client.getRun(id);
    expect(run!.steps.every((s) => s.attempts === 1)).toBe(true);
    // Handed back, not left to expire: B resumed long before the 30 s lease would have run out.
    expect(lines[handover]!.at - stoppedAt).toBeLessThan(5000);
  });
});
