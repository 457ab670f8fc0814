/** Contract cases for events: deduplicated appends, dispatch to triggers, waits registered with a suspension, wake-ups. */
import { expect, it } from 'vitest';

import { ConflictError, LeaseLostError, NotFoundError } from '../../core/errors.js';
import type { EventRecord, EventWait, NewEvent } from '../event-store.js';
import type { Store } from '../store.js';
import {
  OTHER,
  RETENTION_MS,
  claimOne,
  newEvent,
  newRun,
  nextId,
  recorded,
  step,
  type ContractContext,
} from './context.js';

/** What `get` returns for an event appended as `event` and not dispatched yet. */
const stored = ({ dedupeRetentionMs: _retention, ...event }: NewEvent): EventRecord => ({
  ...event,
  dispatchedAt: null,
});
const ids = (events: Array<{ id: string }>) => events.map((e) => e.id);

/** Appends `events` one after the other, so their ids and receive order are as given. */
async function appendAll(store: Store, events: NewEvent[]): Promise<void> {
  for (const event of events) await store.events.append(event);
}

/** A run leased to `owner` at once, without a claim. */
async function leasedRun(store: Store, now: number, owner = 'w1') {
  const created = await store.runs.create(newRun(now, { leaseTo: { owner, leaseTtlMs: 10_000 } }));
  return created.leased!.lease;
}

export function eventsContract(ctx: () => ContractContext): void {
  it('appends an event once per dedupe key: the same payload returns it, another payload conflicts', async () => {
    const { store, clock } = ctx();
    const first = newEvent(clock.now(), { dedupeKey: 'evt_1', source: 'webhook:stripe', principal: 'user:ops' });
    expect(await store.events.append(first)).toEqual({ event: stored(first), created: true });

    await clock.advance(1000);
    const resent = newEvent(clock.now(), { dedupeKey: 'evt_1', source: 'webhook:stripe' });
    expect(await store.events.append(resent)).toEqual({ event: stored(first), created: false });

    const changed = newEvent(clock.now(), { dedupeKey: 'evt_1', payload: '{"order":2}', payloadHash: 'hash-2' });
    await expect(store.events.append(changed)).rejects.toSatisfy(
      (e) => ConflictError.is(e) && e.code === 'event_conflict' && e.message.includes('"evt_1"'),
    );

    // Without a key there is nothing to deduplicate on: the same payload twice is two events.
    const [a, b] = [newEvent(clock.now()), newEvent(clock.now())];
    expect((await store.events.append(a)).created).toBe(true);
    expect((await store.events.append(b)).created).toBe(true);

    expect(await store.events.get(first.id)).toEqual(stored(first));
    expect(await store.events.get(resent.id)).toBeNull();
    expect(await store.events.get(changed.id)).toBeNull();
    expect(ids(await store.events.list({ limit: 10 }))).toEqual([b.id, a.id, first.id]);
  });

  it('stores one event for 20 concurrent appends with one key', async () => {
    const { store, clock } = ctx();
    // Half send one payload and half another: whichever lands first is the event.
    const appends = Array.from({ length: 20 }, (_, i) =>
      newEvent(clock.now(), { dedupeKey: 'evt_race', payloadHash: `hash-${i % 2}` }),
    );
    const results = await Promise.allSettled(appends.map((event) => store.events.append(event)));

    const answers = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const created = answers.filter((answer) => answer.created);
    expect(created).toHaveLength(1);
    const winner = created[0]!.event;
    expect(answers).toHaveLength(10);
    expect(answers.every((answer) => answer.event.id === winner.id)).toBe(true);
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(refused).toHaveLength(10);
    expect(refused.every((e) => ConflictError.is(e) && e.code === 'event_conflict')).toBe(true);
    expect(await store.events.list({ limit: 100 })).toEqual([winner]);
  });

  it('holds a dedupe key for the retention window only, then gives it to the next event', async () => {
    const { store, clock } = ctx();
    const first = newEvent(clock.now(), { dedupeKey: 'evt_old' });
    await store.events.append(first);

    await clock.advance(RETENTION_MS);
    const within = await store.events.append(newEvent(clock.now(), { dedupeKey: 'evt_old' }));
    expect(within).toEqual({ event: stored(first), created: false });
    const changed = newEvent(clock.now(), { dedupeKey: 'evt_old', payloadHash: 'hash-2' });
    await expect(store.events.append(changed)).rejects.toSatisfy((e) => ConflictError.is(e));

    // Past the window another payload is no conflict: it is a new event, and the key is its own.
    await clock.advance(1);
    const later = newEvent(clock.now(), { dedupeKey: 'evt_old', payloadHash: 'hash-2' });
    expect(await store.events.append(later)).toEqual({ event: stored(later), created: true });
    expect(await store.events.get(first.id)).toEqual({ ...stored(first), dedupeKey: null });
    expect(await store.events.append(newEvent(clock.now(), { dedupeKey: 'evt_old', payloadHash: 'hash-2' }))).toEqual({
      event: stored(later),
      created: false,
    });
  });

  it('stores one new event for 20 concurrent appends with one expired key', async () => {
    const { store, clock } = ctx();
    const old = newEvent(clock.now(), { dedupeKey: 'evt_expired' });
    await store.events.append(old);
    await clock.advance(RETENTION_MS + 1);

    const appends = Array.from({ length: 20 }, () => newEvent(clock.now(), { dedupeKey: 'evt_expired' }));
    const answers = await Promise.all(appends.map((event) => store.events.append(event)));

    const created = answers.filter((answer) => answer.created);
    expect(created).toHaveLength(1);
    const winner = created[0]!.event;
    expect(winner.id).not.toBe(old.id);
    expect(answers.every((answer) => answer.event.id === winner.id)).toBe(true);
    expect(await store.events.list({ limit: 100 })).toEqual([winner, { ...stored(old), dedupeKey: null }]);
  });

  it('lists events newest first, by name and cursor', async () => {
    const { store, clock } = ctx();
    const [paid, shipped, refunded] = [
      newEvent(clock.now()),
      newEvent(clock.now(), { name: 'order.shipped' }),
      newEvent(clock.now()),
    ];
    await appendAll(store, [paid, shipped, refunded]);

    expect(await store.events.list({ limit: 10 })).toEqual([refunded, shipped, paid].map(stored));
    expect(ids(await store.events.list({ limit: 2 }))).toEqual([refunded.id, shipped.id]);
    expect(ids(await store.events.list({ limit: 10, before: shipped.id }))).toEqual([paid.id]);
    expect(ids(await store.events.list({ limit: 10, name: 'order.paid' }))).toEqual([refunded.id, paid.id]);
    expect(ids(await store.events.list({ limit: 10, name: 'order.paid', before: refunded.id }))).toEqual([paid.id]);
    expect(await store.events.list({ limit: 10, name: 'order.lost' })).toEqual([]);
  });

  it('offers as candidates the events of a name received at or after a time, oldest first', async () => {
    const { store, clock } = ctx();
    const t = clock.now();
    // Received out of id order (a webhook's late delivery): candidates follow receive time.
    const [late, early, middle, tooEarly, otherName] = [
      newEvent(t + 20),
      newEvent(t + 10),
      newEvent(t + 15),
      newEvent(t + 9),
      newEvent(t + 12, { name: 'order.shipped' }),
    ];
    await appendAll(store, [late, early, middle, tooEarly, otherName]);

    expect(await store.events.candidates('order.paid', t + 10, 10)).toEqual([early, middle, late].map(stored));
    expect(ids(await store.events.candidates('order.paid', t + 10, 2))).toEqual([early.id, middle.id]);
    expect(ids(await store.events.candidates('order.paid', t + 21, 10))).toEqual([]);
    expect(ids(await store.events.candidates('order.shipped', t, 10))).toEqual([otherName.id]);
  });

  it('hands out undispatched events oldest first until marked dispatched, recording the runs they started', async () => {
    const { store, clock } = ctx();
    const t = clock.now();
    const [second, first, third] = [newEvent(t + 5), newEvent(t), newEvent(t + 9)];
    await appendAll(store, [second, first, third]);
    expect(ids(await store.events.undispatched(10))).toEqual([first.id, second.id, third.id]);
    expect(ids(await store.events.undispatched(1))).toEqual([first.id]);

    const [r1, r2, r3] = [newRun(t), newRun(t), newRun(t)];
    await Promise.all([r1, r2, r3].map((run) => store.runs.create(run)));
    await clock.advance(100);
    const at = clock.now();
    await store.events.markDispatched(first.id, [r1.id, r2.id], at);
    const started = (runId: string, when = at) => ({ eventId: first.id, runId, kind: 'started', seq: null, at: when });
    expect(await store.events.get(first.id)).toEqual({ ...stored(first), dispatchedAt: at });
    expect(await store.events.deliveries(first.id)).toEqual([started(r1.id), started(r2.id)]);
    expect(ids(await store.events.undispatched(10))).toEqual([second.id, third.id]);

    // Sent again (a dispatcher that crashed before it saw the answer): nothing changes. Another
    // run added later is recorded, and the first dispatch time stays.
    await clock.advance(100);
    await store.events.markDispatched(first.id, [r1.id, r2.id], clock.now());
    await store.events.markDispatched(first.id, [r2.id, r3.id], clock.now());
    expect(await store.events.get(first.id)).toEqual({ ...stored(first), dispatchedAt: at });
    expect(await store.events.deliveries(first.id)).toEqual([
      started(r1.id),
      started(r2.id),
      started(r3.id, clock.now()),
    ]);

    // An event no trigger listens to is dispatched to no run.
    await store.events.markDispatched(third.id, [], clock.now());
    expect(await store.events.deliveries(third.id)).toEqual([]);
    expect(ids(await store.events.undispatched(10))).toEqual([second.id]);
    await expect(store.events.markDispatched(nextId(), [r1.id], clock.now())).rejects.toSatisfy(
      (e) => NotFoundError.is(e) && e.code === 'event_not_found',
    );
  });

  it('registers a wait with the suspension, wakes only the parked run, and records the received event', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    const lease = await leasedRun(store, clock.now());
    const wait: EventWait = {
      runId: lease.runId,
      seq: 2,
      name: 'order.paid',
      match: '{"order":1}',
      since: clock.now(),
      deadline: null,
    };
    const done = step(1);
    const waiting = step(2, { status: 'waiting', output: null, endedAt: null });
    await store.timers.suspend(
      lease,
      { status: 'waiting', wakeAt: null },
      [done, { ...waiting, eventWait: wait }],
      clock.now(),
    );
    expect(await store.events.waitsFor('order.paid')).toEqual([wait]);
    expect(await store.events.waitsFor('order.shipped')).toEqual([]);
    expect(await store.runs.get(lease.runId)).toMatchObject({ status: 'waiting', lease: null, readyAt: null });
    expect(await store.checkpoints.list(lease.runId)).toEqual([recorded(done), recorded(waiting)]);

    // A run still held by its worker, and one that is not waiting, are not the store's to wake.
    const busy = await leasedRun(store, clock.now(), 'w9');
    const queued = newRun(clock.now(), { workflow: OTHER.name, version: OTHER.version });
    await store.runs.create(queued);
    const untouched = await Promise.all([busy.runId, queued.id].map((id) => store.runs.get(id)));

    await clock.advance(5000);
    const paid = newEvent(clock.now());
    await store.events.append(paid);
    let notify!: () => void;
    const notified = new Promise<void>((resolve) => (notify = resolve));
    store.onWorkAvailable(() => notify());
    expect(await store.events.wake([lease.runId, busy.runId, queued.id, nextId()], clock.now())).toBe(1);
    expect(await store.runs.get(lease.runId)).toMatchObject({ status: 'queued', readyAt: clock.now() });
    expect(await Promise.all([busy.runId, queued.id].map((id) => store.runs.get(id)))).toEqual(untouched);
    await notified;
    expect(await store.events.wake([lease.runId], clock.now())).toBe(0);
    expect(await store.events.wake([], clock.now())).toBe(0);

    // The resumed run receives the event; its old worker, still holding the stale lease, writes nothing.
    const resumed = await claimOne(cx, 'w2');
    expect(resumed.runId).toBe(lease.runId);
    const received = step(2, { output: paid.payload, startedAt: 1, endedAt: clock.now() });
    const stale = store.checkpoints.commit(lease, [{ ...received, receivedEvent: { eventId: paid.id } }]);
    await expect(stale).rejects.toSatisfy((e) => LeaseLostError.is(e));
    const staleWait = { ...wait, seq: 3, since: clock.now() };
    const staleSuspend = store.timers.suspend(
      lease,
      { status: 'waiting', wakeAt: null },
      [{ ...step(3, { status: 'waiting', output: null, endedAt: null }), eventWait: staleWait }],
      clock.now(),
    );
    await expect(staleSuspend).rejects.toSatisfy((e) => LeaseLostError.is(e));
    expect(await store.events.deliveries(paid.id)).toEqual([]);
    expect(await store.events.waitsFor('order.paid')).toEqual([wait]);
    expect(await store.events.receivedBy(lease.runId)).toEqual([]);

    await store.checkpoints.commit(resumed.lease, [{ ...received, receivedEvent: { eventId: paid.id } }]);
    expect(await store.events.deliveries(paid.id)).toEqual([
      { eventId: paid.id, runId: lease.runId, kind: 'received', seq: 2, at: clock.now() },
    ]);
    expect(await store.events.waitsFor('order.paid')).toEqual([]);
    expect(await store.events.receivedBy(lease.runId)).toEqual([paid.id]);
    expect(await store.checkpoints.list(lease.runId)).toEqual([recorded(done), recorded(received)]);
  });

  it('replaces a wait registered again, and tells which events a run received (not those that started it)', async () => {
    const { store, clock } = ctx();
    const lease = await leasedRun(store, clock.now());
    const [starter, first, second] = [newEvent(clock.now()), newEvent(clock.now()), newEvent(clock.now())];
    await appendAll(store, [starter, first, second]);
    await store.events.markDispatched(starter.id, [lease.runId], clock.now());

    const wait: EventWait = { runId: lease.runId, seq: 1, name: 'order.paid', match: null, since: 0, deadline: 100 };
    const waiting = step(1, { status: 'waiting', output: null, endedAt: null });
    await store.checkpoints.commit(lease, [{ ...waiting, eventWait: wait }]);
    await store.checkpoints.commit(lease, [{ ...waiting, eventWait: { ...wait, deadline: 200 } }]);
    expect(await store.events.waitsFor('order.paid')).toEqual([{ ...wait, deadline: 200 }]);

    // Two receipts in one commit; a step without an end time is received when it started.
    await store.checkpoints.commit(lease, [
      { ...step(1, { startedAt: 40, endedAt: null }), receivedEvent: { eventId: first.id } },
      { ...step(3, { startedAt: 50, endedAt: 60 }), receivedEvent: { eventId: second.id } },
    ]);
    expect(await store.events.waitsFor('order.paid')).toEqual([]);
    expect(await store.events.receivedBy(lease.runId)).toEqual([first.id, second.id]);
    expect(await store.events.deliveries(first.id)).toEqual([
      { eventId: first.id, runId: lease.runId, kind: 'received', seq: 1, at: 40 },
    ]);
    expect(await store.events.deliveries(second.id)).toEqual([
      { eventId: second.id, runId: lease.runId, kind: 'received', seq: 3, at: 60 },
    ]);
    expect(await store.events.receivedBy(nextId())).toEqual([]);
  });
}
