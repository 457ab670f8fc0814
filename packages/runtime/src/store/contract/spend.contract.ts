/** Contract cases for spend: reservations against limits, settling, the ledger's totals, raised limits. */
import { expect, it } from 'vitest';

import { utcDay } from '../../core/budget.js';
import type { ReservationRequest, ScopeLimit } from '../spend-store.js';
import type { Store } from '../store.js';
import { runId, type ContractContext } from './context.js';

const DAY_MS = 86_400_000;

/** The four scopes of step `seq` of `run`, with the given limits (USD, null for none). */
function scopes(
  run: string,
  seq: number,
  day: string,
  limits: { step?: number; run?: number; agent?: number; global?: number; softAt?: number } = {},
): ScopeLimit[] {
  const soft = limits.softAt ?? null;
  return [
    { scope: 'step', key: `${run}:${seq}`, period: '', limitUsd: limits.step ?? null, softAt: null },
    { scope: 'run', key: run, period: '', limitUsd: limits.run ?? null, softAt: soft },
    { scope: 'agent', key: 'triage', period: day, limitUsd: limits.agent ?? null, softAt: soft },
    { scope: 'global', key: 'global', period: day, limitUsd: limits.global ?? null, softAt: null },
  ];
}

function request(
  run: string,
  seq: number,
  usd: number,
  now: number,
  limits: Parameters<typeof scopes>[3] = {},
  overrides: Partial<ReservationRequest> = {},
): ReservationRequest {
  return {
    runId: run,
    seq,
    attempt: 1,
    workflow: 'contract.flow',
    agent: 'triage',
    step: `step-${seq}`,
    kind: 'tool',
    target: 'search',
    usd,
    scopes: scopes(run, seq, utcDay(now), limits),
    ...overrides,
  };
}

async function spent(store: Store, scope: 'run' | 'agent', key: string, period: string) {
  const [counter] = await store.spend.counters([{ scope, key, period }]);
  return counter ? { settled: counter.settledUsd, reserved: counter.reservedUsd } : null;
}

export function spendContract(ctx: () => ContractContext): void {
  it('reserves within every limit and refuses a call that would pass one, naming the narrowest', async () => {
    const { store, clock } = ctx();
    const now = clock.now();
    const run = runId();
    const limits = { step: 0.05, run: 0.1 };
    const first = await store.spend.reserve(request(run, 1, 0.04, now, limits), now);
    expect(first).toMatchObject({
      granted: true,
      reused: false,
      reservation: { state: 'reserved', estimateUsd: 0.04 },
    });
    // The step has 0.01 left: refused there, though the run has room.
    expect(await store.spend.reserve(request(run, 1, 0.02, now, limits, { attempt: 2 }), now)).toEqual({
      granted: false,
      refusal: { scope: 'step', key: `${run}:1`, period: '', limitUsd: 0.05, spentUsd: 0.04, requestedUsd: 0.02 },
    });
    expect(await store.spend.reserve(request(run, 2, 0.05, now, limits), now)).toMatchObject({ granted: true });
    // Exactly at the limit fits; a nano-dollar more does not.
    expect(await store.spend.reserve(request(run, 3, 0.01, now, limits), now)).toMatchObject({ granted: true });
    expect(await store.spend.reserve(request(run, 4, 0.000000001, now, limits), now)).toMatchObject({
      granted: false,
      refusal: { scope: 'run', key: run, limitUsd: 0.1, spentUsd: 0.1 },
    });
    expect(await spent(store, 'run', run, '')).toEqual({ settled: 0, reserved: 0.1 });
  });

  it('settles what a call cost, once, and releases a call that never ran', async () => {
    const { store, clock } = ctx();
    const now = clock.now();
    const day = utcDay(now);
    const run = runId();
    await store.spend.reserve(request(run, 1, 0.04, now), now);
    await store.spend.reserve(request(run, 2, 0.03, now), now);
    await clock.advance(500);
    const tokens = { input: 1200, output: 300, cached: 0, reasoning: 40 };
    const settled = await store.spend.settle({ runId: run, seq: 1, attempt: 1 }, { usd: 0.025, tokens }, clock.now());
    expect(settled).toMatchObject({
      entry: { state: 'settled', estimateUsd: 0.04, usd: 0.025, tokens, settledAt: clock.now(), day },
      crossed: [],
    });
    // Settling or releasing again changes nothing.
    expect(await store.spend.settle({ runId: run, seq: 1, attempt: 1 }, { usd: 1 }, clock.now())).toBeNull();
    expect(await store.spend.release({ runId: run, seq: 1, attempt: 1 }, clock.now())).toBe(false);
    expect(await store.spend.release({ runId: run, seq: 2, attempt: 1 }, clock.now())).toBe(true);
    expect(await store.spend.release({ runId: run, seq: 2, attempt: 1 }, clock.now())).toBe(false);
    expect(await spent(store, 'run', run, '')).toEqual({ settled: 0.025, reserved: 0 });
    expect(await spent(store, 'agent', 'triage', day)).toEqual({ settled: 0.025, reserved: 0 });
    // Settled at its estimate when the actual cost is not known.
    await store.spend.reserve(request(run, 3, 0.02, now), now);
    await store.spend.settle({ runId: run, seq: 3, attempt: 1 }, { usd: null }, clock.now());
    expect(await store.spend.runCost(run)).toEqual([
      { seq: 1, usd: 0.025 },
      { seq: 3, usd: 0.02 },
    ]);
    expect(await store.spend.get({ runId: run, seq: 2, attempt: 1 })).toMatchObject({ state: 'released', usd: null });
  });

  it('reuses the reservation of the same attempt instead of counting it twice', async () => {
    const { store, clock } = ctx();
    const now = clock.now();
    const run = runId();
    await store.spend.reserve(request(run, 1, 0.04, now, { run: 0.05 }), now);
    // A crash-retry of attempt 1 finds its reservation, even though 0.04 more would not fit.
    expect(await store.spend.reserve(request(run, 1, 0.04, now, { run: 0.05 }), now)).toMatchObject({
      granted: true,
      reused: true,
    });
    expect(await spent(store, 'run', run, '')).toEqual({ settled: 0, reserved: 0.04 });
    // A released reservation is reserved again, against the limits as they stand.
    await store.spend.release({ runId: run, seq: 1, attempt: 1 }, now);
    expect(await store.spend.reserve(request(run, 1, 0.03, now, { run: 0.05 }), now)).toMatchObject({
      granted: true,
      reused: false,
      reservation: { state: 'reserved', estimateUsd: 0.03 },
    });
    expect(await spent(store, 'run', run, '')).toEqual({ settled: 0, reserved: 0.03 });
  });

  it('lets a limit set in the store win over the declared one, until it is removed', async () => {
    const { store, clock } = ctx();
    const now = clock.now();
    const run = runId();
    await store.spend.reserve(request(run, 1, 0.5, now, { run: 0.5 }), now);
    expect(await store.spend.reserve(request(run, 2, 0.1, now, { run: 0.5 }), now)).toMatchObject({ granted: false });
    await store.spend.setLimit('run', run, 2, now, 'key:ops');
    expect(await store.spend.reserve(request(run, 2, 0.1, now, { run: 0.5 }), now)).toMatchObject({ granted: true });
    // A limit on a scope nothing declared one for applies too.
    await store.spend.setLimit('agent', 'triage', 0.6, now, null);
    expect(await store.spend.reserve(request(run, 3, 0.1, now, { run: 0.5 }), now)).toMatchObject({
      granted: false,
      refusal: { scope: 'agent', key: 'triage', limitUsd: 0.6, spentUsd: 0.6 },
    });
    expect(await store.spend.listLimits()).toEqual([
      { scope: 'agent', key: 'triage', usd: 0.6, updatedAt: now, updatedBy: null },
      { scope: 'run', key: run, usd: 2, updatedAt: now, updatedBy: 'key:ops' },
    ]);
    await store.spend.setLimit('run', run, null, now, 'key:ops');
    await store.spend.setLimit('agent', 'triage', null, now, null);
    expect(await store.spend.listLimits()).toEqual([]);
    expect(await store.spend.reserve(request(run, 3, 0.1, now, { run: 0.5 }), now)).toMatchObject({
      granted: false,
      refusal: { scope: 'run', limitUsd: 0.5 },
    });
  });

  it('reports a soft limit once per scope key and period, on settled spend', async () => {
    const { store, clock } = ctx();
    const now = clock.now();
    const run = runId();
    const limits = { run: 1, agent: 10, softAt: 0.5 };
    const settle = async (seq: number, usd: number, at = now) => {
      await store.spend.reserve(request(run, seq, usd, at, limits), at);
      return (await store.spend.settle({ runId: run, seq, attempt: 1 }, { usd }, at))!.crossed;
    };
    expect(await settle(1, 0.4)).toEqual([]);
    expect(await settle(2, 0.1)).toEqual([{ scope: 'run', key: run, period: '', limitUsd: 1, spentUsd: 0.5 }]);
    expect(await settle(3, 0.1)).toEqual([]);
    // The agent's next day is a new period: 10 × 0.5 is crossed there, once.
    const tomorrow = now + DAY_MS;
    await store.spend.setLimit('run', run, 100, now, null);
    expect(await settle(4, 5, tomorrow)).toEqual([
      { scope: 'agent', key: 'triage', period: utcDay(tomorrow), limitUsd: 10, spentUsd: 5 },
    ]);
  });

  it('records a reported cost past every limit when told not to enforce them', async () => {
    const { store, clock } = ctx();
    const now = clock.now();
    const run = runId();
    const req = request(run, 1, 0, now, { run: 0.01 }, { enforce: false });
    await store.spend.reserve(req, now);
    await store.spend.settle(req, { usd: 0.5 }, now);
    expect(await spent(store, 'run', run, '')).toEqual({ settled: 0.5, reserved: 0 });
    expect(await store.spend.reserve(request(run, 2, 0, now, { run: 0.01 }), now)).toMatchObject({ granted: false });
  });

  it('totals settled spend by workflow, target, day and run within a time range', async () => {
    const { store, clock } = ctx();
    const t0 = clock.now();
    const [a, b] = [runId(), runId()];
    const settle = async (
      run: string,
      seq: number,
      usd: number,
      at: number,
      overrides: Partial<ReservationRequest>,
    ) => {
      await store.spend.reserve(request(run, seq, usd, at, {}, overrides), at);
      const tokens = overrides.kind === 'llm' ? { input: 100, output: 10, cached: 5, reasoning: 1 } : null;
      await store.spend.settle({ runId: run, seq, attempt: 1 }, { usd, tokens }, at);
    };
    await settle(a, 1, 0.1, t0, {});
    await settle(a, 2, 0.2, t0, { kind: 'llm', target: 'gpt-4.1' });
    await settle(b, 1, 0.4, t0 + DAY_MS, { workflow: 'contract.other', kind: 'llm', target: 'gpt-4.1' });
    await store.spend.reserve(request(b, 2, 9, t0), t0);
    const tokens = (input: number, output: number, cached: number, reasoning: number) => ({
      input,
      output,
      cached,
      reasoning,
    });
    expect(await store.spend.totals({ by: 'workflow' })).toEqual([
      { group: 'contract.other', usd: 0.4, calls: 1, tokens: tokens(100, 10, 5, 1) },
      { group: 'contract.flow', usd: 0.3, calls: 2, tokens: tokens(100, 10, 5, 1) },
    ]);
    expect(await store.spend.totals({ by: 'target' })).toEqual([
      { group: 'gpt-4.1', usd: 0.6, calls: 2, tokens: tokens(200, 20, 10, 2) },
      { group: 'search', usd: 0.1, calls: 1, tokens: tokens(0, 0, 0, 0) },
    ]);
    expect((await store.spend.totals({ by: 'day' })).map((t) => [t.group, t.usd])).toEqual([
      [utcDay(t0 + DAY_MS), 0.4],
      [utcDay(t0), 0.3],
    ]);
    expect((await store.spend.totals({ by: 'run', since: t0 + 1 })).map((t) => [t.group, t.usd])).toEqual([[b, 0.4]]);
    expect((await store.spend.totals({ by: 'run', until: t0 + 1 })).map((t) => [t.group, t.usd])).toEqual([[a, 0.3]]);
    expect(await store.spend.totals({ by: 'workflow', workflow: 'nobody' })).toEqual([]);
  });

  it('lets 20 concurrent reservations from separate connections fill a budget and never pass it', async () => {
    const { store, clock, fx } = ctx();
    const now = clock.now();
    const connections = [store, fx.connect(), fx.connect(), fx.connect(), fx.connect()];
    const runs = Array.from({ length: 20 }, () => runId());
    // Seven calls of 0.03 fit in the agent's 0.21 for the day; the other thirteen are refused.
    const results = await Promise.all(
      runs.map((run, i) =>
        connections[i % connections.length]!.spend.reserve(request(run, 1, 0.03, now, { agent: 0.21 }), now),
      ),
    );
    expect(results.filter((r) => r.granted)).toHaveLength(7);
    for (const refused of results.filter((r) => !r.granted)) {
      expect(refused).toMatchObject({ refusal: { scope: 'agent', key: 'triage', limitUsd: 0.21 } });
    }
    expect(await spent(store, 'agent', 'triage', utcDay(now))).toEqual({ settled: 0, reserved: 0.21 });
  });
}
