/**
 * Many runs through three tools that fail 10% of their attempts (`faults.flaky`), with 5% of
 * the inputs failing for good at the second tool (`faults.failing`): half of those escalate to
 * an operator, half are dead-lettered. Two in-process workers on one SQLite file, real clock,
 * retries 5–20 ms apart. The injected faults are deterministic per (seed, idempotency key,
 * attempt), so the test computes every run's outcome and every tool's attempts from
 * `faultRoll` before it looks at a result, and then demands exact agreement. Attempts are
 * counted by an external ledger file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { createVigil, type Vigil } from '../../src/compose.js';
import { faultRoll } from '../../src/testing/faults.js';
import {
  FAULT_ATTEMPTS,
  FAULT_RATE,
  FAULT_SEED,
  FAULT_TOOLS,
  PERMANENT_TOOL,
  faultLoad,
} from '../fixtures/failure-workflows.js';
import type { LedgerLine } from '../fixtures/workflows.js';
import { eventually, readLedger } from '../helpers/processes.js';

// 1,000 settle in 3–10 s on two cores; `npm run test:chaos` asks for 2,000.
const RUNS = Number(process.env['VIGIL_CHAOS_RUNS'] ?? 1000);

type Permanent = 'none' | 'escalate' | 'fail';
type Settled = 'completed' | 'waiting' | 'dead_lettered';

interface Expected {
  status: Settled;
  /** Attempts of each tool called, in call order (seq 1, 2, 3). */
  attempts: number[];
  /** The tool whose failure ended the run, if any. */
  failedTool: string | null;
}

/** Every 20th input fails for good; alternately escalated and dead-lettered. */
function permanenceOf(item: number): Permanent {
  if (item % 20 !== 7) return 'none';
  return item % 40 === 7 ? 'escalate' : 'fail';
}

/**
 * What the run with this id and input must come to: each attempt fails when its roll is under
 * the rate (a transient fault, retried while attempts remain); an attempt of the permanent tool
 * that passes the roll on a marked input fails non-retryably. A tool that runs out ends the
 * run: escalated (blocking: the run waits) or dead-lettered.
 */
function expectedOutcome(runId: string, permanent: Permanent): Expected {
  const attempts: number[] = [];
  for (const [index, tool] of FAULT_TOOLS.entries()) {
    const key = `${runId}:${index + 1}`;
    let attempt = 0;
    let succeeded = false;
    while (attempt < FAULT_ATTEMPTS) {
      attempt++;
      if (faultRoll(FAULT_SEED, key, attempt) < FAULT_RATE) continue;
      succeeded = !(permanent !== 'none' && tool === PERMANENT_TOOL);
      break;
    }
    attempts.push(attempt);
    if (!succeeded) {
      const escalated = permanent === 'escalate' && tool === PERMANENT_TOOL;
      return { status: escalated ? 'waiting' : 'dead_lettered', attempts, failedTool: tool };
    }
  }
  return { status: 'completed', attempts, failedTool: null };
}

/** Attempt numbers of each tool call, by `<runId>/<tool>`, as the ledger saw them. */
function attemptsSeen(lines: readonly LedgerLine[]): Map<string, number[]> {
  const seen = new Map<string, number[]>();
  for (const line of lines) {
    const key = `${line.runId}/${line.step}`;
    seen.set(key, [...(seen.get(key) ?? []), line.attempt]);
  }
  return seen;
}

/** The attempt numbers each tool call must show, by `<runId>/<tool>`: 1..n. */
function attemptsExpected(expected: ReadonlyMap<string, Expected>): Map<string, number[]> {
  const want = new Map<string, number[]>();
  for (const [id, outcome] of expected) {
    outcome.attempts.forEach((n, i) =>
      want.set(
        `${id}/${FAULT_TOOLS[i]}`,
        Array.from({ length: n }, (_, a) => a + 1),
      ),
    );
  }
  return want;
}

let dir: string;
const instances: Vigil[] = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-faults-'));
});
afterAll(async () => {
  await Promise.all(instances.map((v) => v.close({ graceMs: 0 })));
  rmSync(dir, { recursive: true, force: true });
});

it(
  `settles ${RUNS} runs through 10% injected tool failures exactly as the dice say`,
  { timeout: 300_000 },
  async () => {
    const path = join(dir, 'vigil.db');
    const ledger = join(dir, 'ledger.jsonl');
    const client = createVigil({ database: path, workflows: [faultLoad] });
    instances.push(client);
    await client.ready();
    const began = Date.now();
    for (let i = 0; i < 2; i++) {
      instances.push(createVigil({ database: path, workflows: [faultLoad], worker: { pollMs: 100 } }));
    }
    const runs: Array<{ id: string; permanent: Permanent }> = [];
    for (let item = 0; item < RUNS; item++) {
      const permanent = permanenceOf(item);
      const { id } = await client.start(faultLoad, { item, permanent, ledger });
      runs.push({ id, permanent });
    }
    // The expectation, fixed before any result is read.
    const expected = new Map(runs.map((r) => [r.id, expectedOutcome(r.id, r.permanent)]));
    const want = attemptsExpected(expected);
    const ids = (status: Settled): string[] =>
      runs.filter((r) => expected.get(r.id)!.status === status).map((r) => r.id);

    const db = new BetterSqlite3(path, { readonly: true });
    const unsettled = db.prepare(
      `SELECT count(*) AS n FROM runs WHERE status NOT IN ('completed', 'waiting', 'dead_lettered')`,
    );
    await eventually(
      () => ((unsettled.get() as { n: number }).n === 0 ? true : undefined),
      240_000,
      'every run to settle',
    );
    const elapsed = Date.now() - began;
    const rows = db.prepare('SELECT id, status FROM runs').all() as Array<{ id: string; status: string }>;
    const letters = db.prepare('SELECT run_id, failed_step FROM dead_letters').all() as Array<{
      run_id: string;
      failed_step: string;
    }>;
    const escalations = db.prepare('SELECT run_id, step, kind, blocking, status FROM escalations').all() as Array<{
      run_id: string;
      step: string;
      kind: string;
      blocking: number;
      status: string;
    }>;
    const steps = db.prepare('SELECT run_id, name, attempts FROM steps').all() as Array<{
      run_id: string;
      name: string;
      attempts: number;
    }>;
    db.close();

    // Every run came to exactly the status the dice said, and no run to any other.
    expect(rows).toHaveLength(RUNS);
    const wrong = rows.filter((r) => r.status !== expected.get(r.id)!.status);
    expect(wrong.map((r) => `${r.id}: ${r.status}, expected ${expected.get(r.id)!.status}`)).toEqual([]);
    const counts = { completed: 0, waiting: 0, dead_lettered: 0 };
    for (const row of rows) counts[row.status as Settled]++;
    expect(counts).toEqual({
      completed: ids('completed').length,
      waiting: ids('waiting').length,
      dead_lettered: ids('dead_lettered').length,
    });

    // Each dead-lettered run has one dead letter, naming the tool that ran out; each waiting run
    // one open, blocking escalation at the permanently failing tool.
    expect(letters).toHaveLength(counts.dead_lettered);
    expect(new Map(letters.map((l) => [l.run_id, l.failed_step]))).toEqual(
      new Map(ids('dead_lettered').map((id) => [id, expected.get(id)!.failedTool])),
    );
    expect(escalations.map((e) => e.run_id).sort()).toEqual(ids('waiting').sort());
    for (const escalation of escalations) {
      expect(escalation).toMatchObject({ step: PERMANENT_TOOL, kind: 'exhausted', blocking: 1, status: 'open' });
    }

    // The ledger saw exactly the expected attempts of every tool call, numbered 1..n in order;
    // Vigil's own record of each step agrees.
    const lines = readLedger(ledger);
    const seen = attemptsSeen(lines);
    const mismatched = [...new Set([...want.keys(), ...seen.keys()])].filter(
      (key) => JSON.stringify(seen.get(key)) !== JSON.stringify(want.get(key)),
    );
    expect(
      mismatched.map(
        (key) => `${key}: saw ${JSON.stringify(seen.get(key))}, expected ${JSON.stringify(want.get(key))}`,
      ),
    ).toEqual([]);
    const attempts = [...want.values()].reduce((sum, a) => sum + a.length, 0);
    expect(lines).toHaveLength(attempts);
    expect(steps).toHaveLength(want.size);
    expect(steps.filter((s) => s.attempts !== want.get(`${s.run_id}/${s.name}`)?.length)).toEqual([]);

    // Runs that met faults and completed anyway, and runs a transient fault outlasted (every
    // attempt of one tool rolled a fault).
    const recovered = ids('completed').filter((id) => expected.get(id)!.attempts.some((n) => n > 1)).length;
    const outlasted = runs.filter((r) => r.permanent === 'none' && expected.get(r.id)!.status !== 'completed').length;
    expect(recovered).toBeGreaterThan(0);
    const retried = [...want.values()].filter((a) => a.length > 1).length;
    process.stdout.write(
      `fault-load: ${RUNS} runs settled in ${elapsed} ms (${JSON.stringify(counts)}); ${attempts} tool attempts, ` +
        `${retried} tool calls retried, ${recovered} runs recovered, ${outlasted} outlasted by transient faults\n`,
    );
  },
);
