import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, expect, it } from 'vitest';
import { z } from 'zod';

import { createVigil, type Vigil } from '../../compose.js';
import { silentLogger } from '../../core/logger.js';
import { STEP_DEFAULTS } from '../../core/step-policy.js';
import { defineTool } from '../../core/tool.js';
import { defineWorkflow } from '../../core/workflow.js';
import { toolFaultsFromSpec, type ToolFaultSpec } from '../../runtime/tool-faults.js';
import { faultRoll } from '../faults.js';
import { countDuplicates, startLedger } from './ledger.js';

const echo = defineTool({
  name: 'echo',
  input: z.object({ n: z.number() }),
  output: z.object({ n: z.number() }),
  timeout: '200ms',
  retry: { attempts: 6, initialDelay: '1ms', factor: 1, maxDelay: '1ms', jitter: 'none' },
  effects: 'idempotent',
  run: (input) => input,
});
const flow = defineWorkflow(
  { name: 'faults.echo', version: 1, input: z.object({ n: z.number() }) },
  async (ctx, input) => {
    const a = await ctx.tool(echo, input);
    const b = await ctx.tool(echo, { n: a.n + 1 });
    return b.n;
  },
);

let vigil: Vigil | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await vigil?.close();
  vigil = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function runWith(spec: ToolFaultSpec, database = ':memory:') {
  vigil = createVigil({
    database,
    workflows: [flow],
    worker: true,
    toolFaults: toolFaultsFromSpec(JSON.stringify(spec)),
  });
  const { id } = await vigil.start(flow, { n: 1 });
  for (;;) {
    const run = await vigil.getRun(id);
    if (run && ['completed', 'failed', 'dead_lettered', 'completed_partial'].includes(run.status)) return run;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

it('fails attempts exactly where the dice say, so retries recover deterministically', async () => {
  const run = await runWith({ seed: 'unit', failRate: 0.5 });
  // Run ids are random, so the dice differ per test run: the expectation is computed from them.
  let exhausted = false;
  for (const step of run.steps) {
    let expected = 1;
    while (expected < 6 && faultRoll('unit', `${run.id}:${step.seq}`, expected) < 0.5) expected++;
    exhausted ||= faultRoll('unit', `${run.id}:${step.seq}`, expected) < 0.5;
    expect(step.attempts).toBe(expected);
  }
  expect(run.status).toBe(exhausted ? 'dead_lettered' : 'completed');
  if (!exhausted) expect(run.steps).toHaveLength(2);
});

it('fails a named tool on every attempt, and waits past the timeout', async () => {
  const failed = await runWith({ seed: 's', failTools: ['echo'] });
  expect(failed.steps[0]!.error?.code).toBe('injected_fault');
  // Non-retryable: the tool's policy gets one attempt and the workflow sees the failure.
  expect(failed.steps[0]!.attempts).toBe(1);
  await vigil!.close();
  vigil = undefined;
  const timedOut = await runWith({ seed: 's', overTimeout: true });
  expect(timedOut.steps[0]!.attempts).toBe(6);
  expect(['failed', 'dead_lettered']).toContain(timedOut.status);
});

it('reports each completed execution to the ledger process before the step commits', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-faults-'));
  dirs.push(dir);
  const ledger = await startLedger(join(dir, 'ledger.jsonl'), dir);
  try {
    const run = await runWith({ seed: 's', ledgerUrl: ledger.url, scenario: 'unit' });
    const records = await ledger.records();
    expect(records.map((r) => [r.tool, r.key, r.effects, r.scenario])).toEqual([
      ['echo', `${run.id}:1`, 'idempotent', 'unit'],
      ['echo', `${run.id}:2`, 'idempotent', 'unit'],
    ]);
  } finally {
    await ledger.stop();
  }
});

it('rejects a bad spec with a typed error', () => {
  expect(() => toolFaultsFromSpec('{')).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  expect(() => toolFaultsFromSpec('{"seed":"s","failRate":2}')).toThrow(/failRate must be a number from 0 to 1/);
});

it('counts repeats of non-idempotent effects as duplicates, idempotent ones as redeliveries', () => {
  const at = 0;
  expect(
    countDuplicates([
      { tool: 'a', key: 'k', effects: 'idempotent', at },
      { tool: 'a', key: 'k', effects: 'idempotent', at },
      { tool: 'bank', key: 'k', at },
      { tool: 'bank', key: 'k', at },
      { tool: 'bank', key: 'j', at },
    ]),
  ).toEqual({ duplicates: 1, redeliveries: 1 });
});

function invocation(signal: AbortSignal, key = 'run:1') {
  return {
    tool: echo as never,
    input: { n: 1 },
    call: { idempotencyKey: key, signal, attempt: 1, log: silentLogger, reportCost: () => undefined },
    policy: STEP_DEFAULTS,
  };
}

it('answers 429 with Retry-After beyond the rate limit, per second, in this process', async () => {
  const hook = toolFaultsFromSpec(JSON.stringify({ seed: 's', rateLimitPerSecond: 2 }));
  const outcomes = await Promise.allSettled(
    Array.from({ length: 6 }, () => hook.invoke(invocation(new AbortController().signal), () => Promise.resolve('ok'))),
  );
  const refused = outcomes.filter((o) => o.status === 'rejected');
  // Six calls span at most two one-second windows of two calls each.
  expect(refused.length).toBeGreaterThanOrEqual(2);
  expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({
    code: 'injected_rate_limit',
    status: 429,
    headers: { 'retry-after': '1' },
  });
});

it('added latency gives way to the attempt being aborted, and the tool never runs', async () => {
  const hook = toolFaultsFromSpec(JSON.stringify({ seed: 's', latencyMs: 60_000 }));
  const controller = new AbortController();
  let ran = false;
  const pending = hook.invoke(invocation(controller.signal), () => {
    ran = true;
    return Promise.resolve('ok');
  });
  controller.abort(new Error('timed out'));
  await expect(pending).rejects.toThrow('timed out');
  expect(ran).toBe(false);
});
