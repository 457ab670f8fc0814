/** Contract cases for alert state (fired once across processes) and the signals alert rules read. */
import { expect, it } from 'vitest';

import { newRunId } from '../../core/ids.js';
import type { AlertObservation } from '../alert-store.js';
import type { Store } from '../store.js';
import { escalation, message, newRun, step, WF, type ContractContext } from './context.js';

function observation(now: number, breached: boolean, value = breached ? 0.2 : 0.9): AlertObservation {
  return { ruleId: 'success-rate', breached, value, threshold: 0.5, message: `rate ${value}`, now };
}

/** A run of {@link WF} with a real (time-ordered) id, leased to `w1`. */
async function leasedRun(store: Store, now: number, workflow = WF.name) {
  const created = await store.runs.create(
    newRun(now, { id: newRunId(now), workflow, leaseTo: { owner: 'w1', leaseTtlMs: 600_000 } }),
  );
  return { runId: created.id, lease: created.leased!.lease };
}

export function alertsContract(ctx: () => ContractContext): void {
  it('fires once, refreshes while firing, resolves once, and fires again', async () => {
    const { store, clock } = ctx();
    const t0 = clock.now();
    expect(await store.alerts.observe(observation(t0, false), message(t0))).toEqual({ transition: null, alert: null });
    const fired = await store.alerts.observe(observation(t0, true), message(t0, { topic: 'alert.fired' }));
    expect(fired.transition).toBe('fired');
    expect(fired.alert).toMatchObject({ ruleId: 'success-rate', state: 'firing', since: t0, resolvedAt: null });
    await clock.advance(1000);
    const again = await store.alerts.observe(observation(clock.now(), true, 0.1), message(clock.now()));
    expect(again).toMatchObject({ transition: null, alert: { state: 'firing', since: t0, value: 0.1 } });
    const resolved = await store.alerts.observe(observation(clock.now(), false), message(clock.now()));
    expect(resolved).toMatchObject({ transition: 'resolved', alert: { state: 'resolved', resolvedAt: clock.now() } });
    expect((await store.alerts.observe(observation(clock.now(), false), message(clock.now()))).transition).toBeNull();
    await clock.advance(1000);
    const refired = await store.alerts.observe(observation(clock.now(), true), message(clock.now()));
    expect(refired).toMatchObject({ transition: 'fired', alert: { since: clock.now(), resolvedAt: null } });
    expect((await store.alerts.list()).map((a) => a.ruleId)).toEqual(['success-rate']);
  });

  it('lets exactly one of two processes make a transition, and writes only its announcement', async () => {
    const { store, clock, fx } = ctx();
    const other = fx.connect();
    const now = clock.now();
    const [a, b] = [message(now, { topic: 'alert.fired' }), message(now, { topic: 'alert.fired' })];
    const results = await Promise.all([
      store.alerts.observe(observation(now, true), a),
      other.alerts.observe(observation(now, true), b),
    ]);
    expect(results.filter((r) => r.transition === 'fired')).toHaveLength(1);
    const due = await store.outbox.claimDue(now, 10, 1000);
    expect(due.map((m) => m.topic)).toEqual(['alert.fired']);
    const [r1, r2] = await Promise.all([
      store.alerts.observe(observation(now + 1, false), message(now)),
      other.alerts.observe(observation(now + 1, false), message(now)),
    ]);
    expect([r1.transition, r2.transition].filter((t) => t === 'resolved')).toHaveLength(1);
  });

  it('counts the outcomes and escalations of runs started in a window, by workflow', async () => {
    const { store, clock } = ctx();
    const old = await leasedRun(store, clock.now());
    await store.queue.finish(old.lease, { status: 'failed', error: { name: 'E', message: 'x' } }, [], clock.now());
    await clock.advance(60_000);
    const since = clock.now();
    const ok = await leasedRun(store, clock.now());
    await store.queue.finish(ok.lease, { status: 'completed', output: '1' }, [], clock.now());
    const bad = await leasedRun(store, clock.now());
    await store.checkpoints.commit(bad.lease, [
      { ...step(1, { status: 'waiting', output: null }), escalation: escalation(bad.runId, 1, clock.now()) },
    ]);
    await leasedRun(store, clock.now(), 'contract.other');
    expect(await store.signals.runOutcomes(since)).toEqual({ started: 3, succeeded: 1, failed: 0, escalated: 1 });
    expect(await store.signals.runOutcomes(since, WF.name)).toEqual({
      started: 2,
      succeeded: 1,
      failed: 0,
      escalated: 1,
    });
    expect((await store.signals.runOutcomes(since - 60_000)).failed).toBe(1);
  });

  it("measures a tool's failed attempts, stuck runs and step durations", async () => {
    const { store, clock } = ctx();
    const since = clock.now();
    const run = await leasedRun(store, clock.now());
    await store.checkpoints.commit(run.lease, [
      step(1, { kind: 'tool', name: 'pay', attempts: 3, startedAt: since, endedAt: since + 500 }),
      step(2, {
        kind: 'tool',
        name: 'pay',
        status: 'failed',
        output: null,
        attempts: 2,
        startedAt: since,
        endedAt: since + 2000,
      }),
      step(3, { kind: 'tool', name: 'other', startedAt: since, endedAt: since + 100 }),
    ]);
    expect(await store.signals.toolOutcomes(since, 'pay')).toEqual({ calls: 2, attempts: 5, failures: 4 });
    expect(await store.signals.stepDurations(WF.name, WF.version, 10)).toEqual([
      { name: 'pay', kind: 'tool', durationMs: 500 },
      { name: 'other', kind: 'tool', durationMs: 100 },
    ]);
    await clock.advance(1);
    const idle = await leasedRun(store, clock.now());
    await clock.advance(10_000);
    expect(await store.signals.stuckRuns(clock.now() - 5_000, 10)).toEqual([run.runId, idle.runId]);
    await store.checkpoints.commit(idle.lease, [step(1, { startedAt: clock.now(), endedAt: null, status: 'running' })]);
    expect(await store.signals.stuckRuns(clock.now() - 5_000, 10)).toEqual([run.runId]);
    expect(await store.signals.deadLetterDepth()).toBe(0);
  });
}
