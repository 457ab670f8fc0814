/**
 * Property: a bit flipped anywhere replay looks (a step row's output, error, detail, name, kind
 * status or attempts, or the run's input) is detected, and never used. Runs of a five-step workflow
 * suspend on a sleep; two seeded flips land in each (200 per store); then every run is driven
 * to its end, operators answering `checkpoint_corrupted` escalations with a seeded choice of
 * `provide` (the true value), `retry` or `skip`. Every flip must have been reported by a
 * `checkpoint.corrupted` event; every run must complete with exactly its ground-truth output or
 * be dead-lettered with `checkpoint_corrupted`; and the at-most-once tool must not have run
 * again unless an operator said `retry` (counted by the tool itself, outside Vigil's records).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { isTerminalStatus } from '../../src/core/run-status.js';
import { NonRetryableError } from '../../src/core/errors.js';
import { defineTool } from '../../src/core/tool.js';
import { defineWorkflow } from '../../src/core/workflow.js';
import type { RuntimeEventMap } from '../../src/runtime/events.js';
import { corruptCheckpoint, type CorruptibleField } from '../../src/testing/corrupt-checkpoint.js';
import { DIALECTS, Harness, type Dialect } from '../helpers/harness.js';

const RUNS = 100;
const FLIPS_PER_RUN = 2;
const SEED = 0x5eed;

const FIELDS: CorruptibleField[] = ['output', 'error', 'detail', 'name', 'kind', 'status', 'attempts', 'input'];

/** mulberry32: a small seeded generator, so a failure names a reproducible case. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe.each(DIALECTS)('checkpoint corruption, property on %s', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(() => h.cleanup());

  it(`detects ${RUNS * FLIPS_PER_RUN} seeded bit flips and never completes with a wrong value`, async () => {
    const charges = new Map<string, number>();
    const lookup = defineTool({
      name: 'price.lookup',
      version: '1.0.0',
      input: z.object({ n: z.number() }),
      output: z.object({ cents: z.number() }),
      run: (input) => ({ cents: input.n * 100 + 7 }),
    });
    const charge = defineTool({
      name: 'card.charge',
      version: '1.0.0',
      input: z.object({ cents: z.number() }),
      output: z.object({ receipt: z.string() }),
      effects: 'at-most-once',
      retry: { attempts: 1 },
      run: (input, { idempotencyKey }) => {
        charges.set(idempotencyKey, (charges.get(idempotencyKey) ?? 0) + 1);
        return { receipt: `r-${input.cents}-${idempotencyKey}` };
      },
    });
    const wf = defineWorkflow(
      {
        name: 'corrupt.property',
        input: z.object({ n: z.number() }),
        policy: { tools: ['price.lookup', 'card.charge'] },
      },
      async (ctx, input) => {
        const base = await ctx.step('base', () => ({ n: input.n + 1 }));
        const price = await ctx.tool(lookup, { n: base.n });
        let probe = 'ok';
        try {
          await ctx.step('probe', () => {
            throw new NonRetryableError(`probe ${input.n} refused`, { code: 'probe_refused' });
          });
        } catch (error) {
          probe = (error as { failure?: { code?: string } }).failure?.code ?? 'unknown';
        }
        const paid = await ctx.tool(charge, { cents: price.cents });
        await ctx.sleep('nap', '1s');
        return { base: base.n, cents: price.cents, probe, receipt: paid.receipt };
      },
    );
    const truth = (id: string, n: number) => ({
      base: n + 1,
      cents: (n + 1) * 100 + 7,
      probe: 'probe_refused',
      receipt: `r-${(n + 1) * 100 + 7}-${id}:4`,
    });

    const vigil = h.vigil([wf], { worker: { pollMs: 60_000, concurrency: 32 } });
    const reported: Array<RuntimeEventMap['checkpoint.corrupted']> = [];
    vigil.events.on('checkpoint.corrupted', (event) => reported.push(event));
    const next = random(SEED + (dialect === 'sqlite' ? 0 : 1));
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;

    const runs: Array<{ id: string; n: number }> = [];
    for (let n = 0; n < RUNS; n++) runs.push({ id: (await vigil.start(wf, { n })).id, n });
    await h.until(
      async () => (await Promise.all(runs.map((r) => vigil.getRun(r.id)))).every((r) => r?.status === 'sleeping'),
      { maxMs: 600_000 },
    );

    // Two flips per run, each in a field and step picked by the seed (the same row may be hit twice).
    const flips = new Map<string, Array<{ seq: number; field: CorruptibleField; bit: number }>>();
    for (const { id } of runs) {
      const hits: Array<{ seq: number; field: CorruptibleField; bit: number }> = [];
      for (let i = 0; i < FLIPS_PER_RUN; i++) {
        const field = pick(FIELDS);
        const candidates = (
          field === 'input'
            ? await h.sql('SELECT 0 AS seq, input AS value FROM runs WHERE id = $1', [id])
            : await h.sql(`SELECT seq, ${field} AS value FROM steps WHERE run_id = $1 AND ${field} IS NOT NULL`, [id])
        ) as Array<{ seq: number; value: string | number }>;
        const target = pick(candidates);
        const bits = typeof target.value === 'number' ? 31 : Buffer.byteLength(target.value) * 8;
        const bit = Math.floor(next() * bits);
        hits.push(await corruptCheckpoint({ database: h.database, runId: id, seq: target.seq, field, bit }));
      }
      flips.set(id, hits);
    }
    const fieldsHit = new Set([...flips.values()].flat().map((f) => f.field));
    expect([...fieldsHit].sort()).toEqual([...FIELDS].sort());

    // Drive every run to its end, answering corruption escalations as an operator would.
    const retries = new Map<string, number>();
    await h.clock.advance(1000);
    await h.until(
      async () => {
        let done = true;
        for (const { id, n } of runs) {
          const run = await vigil.getRun(id);
          if (run && isTerminalStatus(run.status)) continue;
          done = false;
          if (run?.status !== 'waiting') continue;
          for (const open of (await vigil.escalations.list({ runId: id, status: 'open' })).escalations) {
            expect(open.kind).toBe('checkpoint_corrupted');
            expect(open.step).toBe('card.charge');
            const decision = pick(['provide', 'retry', 'skip'] as const);
            if (decision === 'retry') retries.set(id, (retries.get(id) ?? 0) + 1);
            await vigil.escalations.resolve(
              open.id,
              decision === 'provide' ? { decision, value: { receipt: truth(id, n).receipt } } : { decision },
            );
          }
        }
        return done;
      },
      { maxMs: 600_000 },
    );

    const outcomes = { completed: 0, dead_lettered: 0, reruns: 0, escalations: 0 };
    for (const { id, n } of runs) {
      const run = (await vigil.getRun(id))!;
      const events = reported.filter((e) => e.runId === id);
      outcomes.reruns += events.filter((e) => e.action === 'rerun').length;
      outcomes.escalations += events.filter((e) => e.action === 'escalated').length;
      // Detected: every flipped row, or the input, was reported before anything used it.
      // A run dead-lettered at step s never reads the rows after s; those flips were never used.
      const seqs = new Set(events.map((e) => e.seq));
      const inputHit = flips.get(id)!.some((f) => f.field === 'input');
      const endedAt = events.find((e) => e.action === 'dead_lettered')?.seq ?? Infinity;
      if (inputHit) expect(seqs.has(0), `run ${id}: input flip not reported`).toBe(true);
      else {
        for (const f of flips.get(id)!.filter((f) => f.seq <= endedAt)) {
          expect(seqs.has(f.seq), `run ${id}: flip ${JSON.stringify(f)} not reported`).toBe(true);
        }
      }
      if (run.status === 'completed') {
        outcomes.completed++;
        expect(run.output, `run ${id}`).toEqual(truth(id, n));
      } else {
        outcomes.dead_lettered++;
        expect(run.status, `run ${id}`).toBe('dead_lettered');
        expect(run.error!.code).toBe('checkpoint_corrupted');
      }
      expect(charges.get(`${id}:4`) ?? 0).toBeLessThanOrEqual(1 + (retries.get(id) ?? 0));
    }
    expect(outcomes.completed + outcomes.dead_lettered).toBe(RUNS);
    expect(outcomes.reruns).toBeGreaterThan(0);
    expect(outcomes.escalations).toBeGreaterThan(0);
    console.info(`[${dialect}] ${RUNS * FLIPS_PER_RUN} flips:`, outcomes);
  });
});
