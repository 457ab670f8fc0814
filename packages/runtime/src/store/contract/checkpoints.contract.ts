/** Contract cases for checkpoints: round trips, integrity, what rides along, concurrent commits. */
import { expect, it } from 'vitest';

import { verifyChain } from '../../core/audit-chain.js';
import { LeaseLostError } from '../../core/errors.js';
import type { AttemptRecord } from '../checkpoint-store.js';
import { WF, claimOne, escalation, message, newRun, recorded, step, type ContractContext } from './context.js';

export function checkpointsContract(ctx: () => ContractContext): void {
  it('commits checkpoints under the current lease and reads them back intact', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    await store.runs.create(newRun(clock.now()));
    const { lease, runId: id } = await claimOne(cx);
    await store.checkpoints.commit(lease, [step(1, { status: 'running', output: null, endedAt: null })]);
    await store.checkpoints.commit(lease, [
      step(1),
      step(2, { status: 'failed', output: null, error: { name: 'Error', message: 'boom', code: 'x' } }),
      step(3, { kind: 'sleep', name: 'nap', status: 'sleeping', output: null, wakeAt: 99, endedAt: null }),
    ]);
    const steps = await store.checkpoints.list(id);
    expect(steps).toEqual([
      recorded(step(1)),
      recorded(step(2, { status: 'failed', output: null, error: { name: 'Error', message: 'boom', code: 'x' } })),
      recorded(step(3, { kind: 'sleep', name: 'nap', status: 'sleeping', output: null, wakeAt: 99, endedAt: null })),
    ]);
  });

  it('marks a corrupted checkpoint as not intact', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    await store.runs.create(newRun(clock.now()));
    const { lease, runId: id } = await claimOne(cx);
    await store.checkpoints.commit(lease, [step(1), step(2)]);
    await cx.fx.corruptStep(id, 2);
    const steps = await store.checkpoints.list(id);
    expect(steps.map((s) => s.intact)).toEqual([true, false]);
  });

  it('keeps every commit of many concurrent runs', async () => {
    const { store, clock } = ctx();
    const runs = Array.from({ length: 40 }, () => newRun(clock.now()));
    await Promise.all(runs.map((run) => store.runs.create(run)));
    const claimed = await store.queue.claim({
      owner: 'w1',
      now: clock.now(),
      leaseTtlMs: 10_000,
      limit: 40,
      workflows: [WF],
    });
    expect(claimed).toHaveLength(40);
    await Promise.all(claimed.map((c) => store.checkpoints.commit(c.lease, [step(1), step(2)])));
    await Promise.all(
      claimed.map((c) =>
        store.queue.finish(c.lease, { status: 'completed', output: '"done"' }, [step(3)], clock.now()),
      ),
    );
    for (const c of claimed) {
      expect((await store.checkpoints.list(c.run.id)).map((s) => s.seq)).toEqual([1, 2, 3]);
      expect((await store.runs.get(c.run.id))!.status).toBe('completed');
    }
  });

  it('writes a failed attempt, an escalation and a notification with their step, and none of them on a stale lease', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    await store.runs.create(newRun(clock.now()));
    const { lease, runId: id } = await claimOne(cx, 'w1', 1000);
    const attempt: AttemptRecord = {
      attempt: 1,
      outcome: 'failed',
      error: { name: 'Error', message: 'timeout', code: 'etimedout' },
      startedAt: 10,
      endedAt: 20,
      delayMs: null,
    };
    const raised = escalation(id, 1, clock.now(), {
      kind: 'exhausted',
      assignee: 'nurse-1',
      summary: 'Call the pharmacy',
    });
    const note = message(clock.now());
    const waiting = step(1, {
      status: 'waiting',
      output: null,
      endedAt: null,
      detail: JSON.stringify({ escalationId: raised.id }),
    });
    await store.checkpoints.commit(lease, [
      { ...waiting, failedAttempt: attempt, escalation: raised, notification: note },
    ]);

    expect(await store.checkpoints.list(id)).toEqual([recorded(waiting)]);
    expect(await store.checkpoints.attempts(id)).toEqual([{ seq: 1, ...attempt }]);
    expect(await store.escalations.get(raised.id)).toEqual({
      ...raised,
      status: 'open',
      decision: null,
      value: null,
      resolvedBy: null,
      note: null,
      resolvedAt: null,
    });
    expect(await store.outbox.claimDue(clock.now(), 10, 1000)).toEqual([{ ...note, attempts: 1, lastError: null }]);

    // Another worker takes the run over; the first one's next commit carries everything again.
    await clock.advance(1000);
    await claimOne(cx, 'w2');
    const late = escalation(id, 2, clock.now());
    const lateNote = message(clock.now());
    const commit = store.checkpoints.commit(lease, [
      { ...step(2), failedAttempt: { ...attempt, attempt: 2 }, escalation: late, notification: lateNote },
    ]);
    await expect(commit).rejects.toSatisfy((e) => LeaseLostError.is(e));
    expect(await store.checkpoints.list(id)).toEqual([recorded(waiting)]);
    expect(await store.checkpoints.attempts(id)).toEqual([{ seq: 1, ...attempt }]);
    expect(await store.escalations.get(late.id)).toBeNull();
    expect(await store.outbox.claimDue(clock.now() + 60_000, 10, 1000)).toEqual([
      { ...note, attempts: 2, lastError: null },
    ]);
  });

  it('appends the audit entries riding along with a step in its transaction, where the store does, and none on a stale lease', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    await store.runs.create(newRun(clock.now()));
    const { lease, runId: id } = await claimOne(cx, 'w1', 1000);
    const entry = (type: string, seq: number) => ({ type, at: clock.now(), runId: id, principal: null, data: { seq } });
    await store.checkpoints.commit(lease, [
      { ...step(1), audit: [entry('policy.decided', 1), entry('step.completed', 1)] },
      step(2, { status: 'running', output: null, endedAt: null }),
    ]);
    // A store that stages them with the step (PostgreSQL) chains them at its next append.
    const chainedAlready = await store.audit.list({ runId: id, limit: 10 });
    expect(chainedAlready).toHaveLength(store.audit.hasStaged ? 0 : 2);
    await store.audit.chainStaged(clock.now());
    expect(store.audit.hasStaged).toBe(false);
    const appended = (await store.audit.list({ runId: id, limit: 10 })).map((e) => [e.type, e.data]);
    // A store that does not append with steps was never meant to be handed entries: it ignores them.
    expect(appended).toEqual(
      store.audit.appendsWithSteps
        ? [
            ['policy.decided', { seq: 1 }],
            ['step.completed', { seq: 1 }],
          ]
        : [],
    );

    await clock.advance(1000);
    await claimOne(cx, 'w2');
    const stale = store.checkpoints.commit(lease, [{ ...step(2), audit: [entry('step.completed', 2)] }]);
    await expect(stale).rejects.toSatisfy((e) => LeaseLostError.is(e));
    await store.audit.chainStaged(clock.now());
    expect(await store.audit.list({ runId: id, limit: 10 })).toHaveLength(appended.length);
  });

  it("keeps a step's audit entries when its process dies before chaining them: another chains them first", async () => {
    const cx = ctx();
    const { store, clock, fx } = cx;
    await store.runs.create(newRun(clock.now()));
    const { lease, runId: id } = await claimOne(cx);
    const entry = (type: string, seq: number) => ({ type, at: clock.now(), runId: id, principal: null, data: { seq } });
    await store.checkpoints.commit(lease, [
      { ...step(1), audit: [entry('policy.decided', 1), entry('step.completed', 1)] },
    ]);
    // `store` is never asked to append again, as if killed; another process opens (a store that
    // stages entries chains them then) and appends its own.
    const other = fx.connect();
    await other.migrate();
    await other.audit.append([{ type: 'run.created', runId: 'other', principal: null, data: {} }], clock.now());
    const trail = await other.audit.scan(1, 10);
    expect(trail.map((e) => [e.type, e.runId])).toEqual([
      ['policy.decided', id],
      ['step.completed', id],
      ['run.created', 'other'],
    ]);
    expect(verifyChain(trail)).toMatchObject({ ok: true, count: 3 });
  });

  it('commits the audit entries of steps written by a memory write, a suspension and a finish, and chains them by the next append', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    await store.runs.create(newRun(clock.now()));
    const { lease, runId: id } = await claimOne(cx);
    const entry = (seq: number) => ({
      type: 'step.completed',
      at: clock.now(),
      runId: id,
      principal: null,
      data: { seq },
    });
    const chained = async () => (await store.audit.list({ runId: id, limit: 10 })).map((e) => e.data);
    // Each write's entries are in the trail, or staged for the next append, which chains them.
    const appendNext = async (seqs: number[]) => {
      expect(store.audit.hasStaged || (await chained()).length === seqs.length).toBe(true);
      await store.audit.append([], clock.now());
      expect(await chained()).toEqual(seqs.map((seq) => ({ seq })));
    };

    const memoryRow = step(2, { name: '$memory.agent:bot:set:k', kind: 'memory', output: null });
    await store.memory.commitWrite(lease, [{ ...step(1), audit: [entry(1)] }, memoryRow], {
      agent: 'bot',
      key: 'k',
      value: '1',
      seq: 2,
      at: clock.now(),
    });
    await appendNext([1]);
    const sleeping = step(4, { kind: 'sleep', status: 'sleeping', output: null, endedAt: null });
    await store.timers.suspend(
      lease,
      { status: 'sleeping', wakeAt: clock.now() },
      [{ ...step(3), audit: [entry(3)] }, sleeping],
      clock.now(),
    );
    await appendNext([1, 3]);
    const again = await claimOne(cx);
    await store.queue.finish(
      again.lease,
      { status: 'completed', output: '"done"' },
      [{ ...step(5), audit: [entry(5)] }],
      clock.now(),
    );
    await appendNext([1, 3, 5]);
  });

  it('records each failed attempt of a step once, in order', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    await store.runs.create(newRun(clock.now()));
    const { lease, runId: id } = await claimOne(cx);
    const failed = (n: number): AttemptRecord => ({
      attempt: n,
      outcome: n === 2 ? 'timed_out' : 'failed',
      error: { name: 'Error', message: `attempt ${n}` },
      startedAt: n * 10,
      endedAt: n * 10 + 5,
      delayMs: 100 * n,
    });
    await store.checkpoints.commit(lease, [
      { ...step(1, { status: 'retrying', attempts: 1 }), failedAttempt: failed(1) },
    ]);
    await store.checkpoints.commit(lease, [
      { ...step(1, { status: 'retrying', attempts: 2 }), failedAttempt: failed(2) },
    ]);
    // The same attempt sent again (a retried write) is still one attempt.
    await store.checkpoints.commit(lease, [
      { ...step(1, { status: 'retrying', attempts: 2 }), failedAttempt: failed(2) },
    ]);
    await store.checkpoints.commit(lease, [step(1, { attempts: 3 })]);
    expect(await store.checkpoints.attempts(id)).toEqual([
      { seq: 1, ...failed(1) },
      { seq: 1, ...failed(2) },
    ]);
    expect((await store.checkpoints.list(id))[0]).toMatchObject({ status: 'completed', attempts: 3 });
  });
}
