/** Contract cases for the deployment gauges `/metrics` reads at scrape time. */
import { expect, it } from 'vitest';

import { resolveBreakerPolicy } from '../../core/resilience/circuit-breaker.js';
import { escalation, newRun, nextId, step, type ContractContext } from './context.js';

const policy = resolveBreakerPolicy({ failureThreshold: 1, cooldown: '10s' }, 'contract');
const error = { name: 'Error', message: 'insurance API down', code: 'upstream' };

export function gaugesContract(ctx: () => ContractContext): void {
  it('reads an empty deployment as nothing waiting', async () => {
    const { store, clock } = ctx();
    expect(await store.gauges.read(clock.now())).toEqual({
      openEscalations: 0,
      deadLetters: 0,
      oldestReadyAt: null,
      breakers: [],
    });
  });

  it('counts open escalations and unreplayed dead letters, and lists breaker statuses', async () => {
    const { store, clock } = ctx();
    const leased = async () =>
      (await store.runs.create(newRun(clock.now(), { leaseTo: { owner: 'w1', leaseTtlMs: 60_000 } }))).leased!.lease;
    const raised = [];
    for (let i = 0; i < 3; i++) {
      const lease = await leased();
      const opened = escalation(lease.runId, 1, clock.now());
      await store.checkpoints.commit(lease, [{ ...step(1, { status: 'waiting', output: null }), escalation: opened }]);
      raised.push(opened);
    }
    await store.escalations.resolve(raised[0]!.id, {
      decision: 'skip',
      value: null,
      resolvedBy: 'user:alice',
      note: null,
      now: clock.now(),
    });
    const letters = [];
    for (let i = 0; i < 2; i++) {
      const lease = await leased();
      const deadLetter = { id: nextId(), reason: 'failed', failedSeq: 1, failedStep: 'step-1', context: '{}' };
      await store.queue.finish(lease, { status: 'dead_lettered', error, deadLetter }, [], clock.now());
      letters.push(deadLetter);
    }
    await store.deadLetters.replay(letters[0]!.id, { fromSeq: 1, principal: null, now: clock.now() });
    await store.breakers.record('search', 'search', policy, clock.now(), { ok: false, error: 'HTTP 503' }, false);
    await store.breakers.record('ehr', 'ehr', policy, clock.now(), { ok: true }, false);
    await store.breakers.record('book', 'book', policy, clock.now(), { ok: false, error: 'HTTP 500' }, false);
    await store.breakers.reset('book', clock.now());

    expect(await store.gauges.read(clock.now())).toMatchObject({
      openEscalations: 2,
      deadLetters: 1,
      breakers: [
        { key: 'book', status: 'closed' },
        { key: 'search', status: 'open' },
      ],
    });
  });

  it('dates the oldest run ready to execute: queued, woken, or on an expired lease; never a future one', async () => {
    const { store, clock } = ctx();
    const start = clock.now();
    expect((await store.gauges.read(start)).oldestReadyAt).toBeNull();
    await store.runs.create(newRun(start));
    await clock.advance(1_000);
    await store.runs.create(newRun(clock.now()));
    expect((await store.gauges.read(clock.now())).oldestReadyAt).toBe(start);
    // Read as of before the first run was ready: nothing is waiting yet.
    expect((await store.gauges.read(start - 1)).oldestReadyAt).toBeNull();

    // Both claimed: nothing waits. The lease of one expires: its run waits from that moment.
    const claimed = await store.queue.claim({
      owner: 'w1',
      now: clock.now(),
      leaseTtlMs: 5_000,
      limit: 10,
      workflows: [{ name: newRun(0).workflow, version: newRun(0).version }],
    });
    expect(claimed).toHaveLength(2);
    expect((await store.gauges.read(clock.now())).oldestReadyAt).toBeNull();
    const expiresAt = clock.now() + 5_000;
    await clock.advance(7_000);
    expect((await store.gauges.read(clock.now())).oldestReadyAt).toBe(expiresAt);
  });
}
