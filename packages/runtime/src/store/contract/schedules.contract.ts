/** Contract cases for schedules: create and list, declared upserts, pause and resume, claims fenced by their owner. */
import { expect, it } from 'vitest';

import { ConflictError } from '../../core/errors.js';
import type { NewSchedule, ScheduleRecord } from '../schedule-store.js';
import { OTHER, WF, newRun, newSchedule, type ContractContext } from './context.js';

const HOUR = 3_600_000;

/** What `get` returns for `schedule` as created, before anything happened to it. */
const stored = ({ now, ...schedule }: NewSchedule): ScheduleRecord => ({
  ...schedule,
  paused: false,
  bufferedSlotAt: null,
  lastSlotAt: null,
  lastRunId: null,
  claim: null,
  createdAt: now,
  updatedAt: now,
});
const ids = (schedules: Array<{ id: string }>) => schedules.map((s) => s.id);

export function schedulesContract(ctx: () => ContractContext): void {
  it('creates a schedule once per id, and lists them newest first, by workflow, a page at a time', async () => {
    const { store, clock } = ctx();
    const first = newSchedule(clock.now(), { id: 'hourly.report', nextSlotAt: null, nextFireAt: null });
    expect(await store.schedules.create(first)).toEqual(stored(first));
    expect(await store.schedules.get('hourly.report')).toEqual(stored(first));
    await expect(store.schedules.create(newSchedule(clock.now(), { id: 'hourly.report' }))).rejects.toSatisfy(
      (e) => ConflictError.is(e) && e.code === 'schedule_exists' && e.message.includes('"hourly.report"'),
    );
    expect(await store.schedules.get('nope')).toBeNull();

    await clock.advance(10);
    // Two created in the same millisecond are ordered by id.
    const [b, c] = [
      newSchedule(clock.now(), { id: 'b', workflow: OTHER.name }),
      newSchedule(clock.now(), { id: 'c', spec: { ...first.spec, jitterMs: 30_000, overlap: 'buffer-one' } }),
    ];
    for (const schedule of [b, c]) await store.schedules.create(schedule);
    expect(await store.schedules.list({ limit: 10 })).toEqual([stored(c), stored(b), stored(first)]);
    expect(ids(await store.schedules.list({ workflow: WF.name, limit: 10 }))).toEqual(['c', 'hourly.report']);
    const page = await store.schedules.list({ limit: 2 });
    expect(ids(page)).toEqual(['c', 'b']);
    const last = page[1]!;
    expect(ids(await store.schedules.list({ before: { createdAt: last.createdAt, id: last.id }, limit: 2 }))).toEqual([
      'hourly.report',
    ]);
  });

  it('upserts a declared schedule: unchanged keeps where it stands, a new timing takes the new slot', async () => {
    const { store, clock } = ctx();
    const declared = newSchedule(clock.now(), { id: WF.name, origin: 'workflow' });
    expect(await store.schedules.upsertDeclared(declared)).toEqual({ schedule: stored(declared), changed: true });
    await store.schedules.pause(WF.name, clock.now());

    // Every process declares it again on start, with the next slot computed from its own now.
    await clock.advance(HOUR / 2);
    const again = { ...declared, nextSlotAt: declared.nextSlotAt! + HOUR, now: clock.now() };
    const unchanged = await store.schedules.upsertDeclared(again);
    expect(unchanged).toEqual({ schedule: { ...stored(declared), paused: true }, changed: false });

    // Another input keeps the slot (and the pause).
    const input = await store.schedules.upsertDeclared({ ...again, input: '{"n":2}' });
    expect(input.changed).toBe(true);
    expect(input.schedule).toMatchObject({ input: '{"n":2}', nextSlotAt: declared.nextSlotAt, paused: true });
    expect(input.schedule.updatedAt).toBe(clock.now());

    // Another cron takes the slot computed from now.
    const timing = { ...again, spec: { ...again.spec, cron: '30 * * * *' }, nextSlotAt: clock.now() + 60_000 };
    const retimed = await store.schedules.upsertDeclared({ ...timing, nextFireAt: timing.nextSlotAt });
    expect(retimed.schedule).toMatchObject({
      spec: { cron: '30 * * * *' },
      nextSlotAt: clock.now() + 60_000,
      nextFireAt: clock.now() + 60_000,
      paused: true,
      createdAt: declared.now,
    });

    // A schedule added through the API under that id is not the workflow's to change.
    const api = newSchedule(clock.now(), { id: 'taken' });
    await store.schedules.create(api);
    expect(await store.schedules.upsertDeclared({ ...declared, id: 'taken', input: '{"n":3}' })).toEqual({
      schedule: stored(api),
      changed: false,
    });
  });

  it('pauses and resumes: a paused schedule is never claimed, and resumes at the slot it is given', async () => {
    const { store, clock } = ctx();
    const schedule = newSchedule(clock.now(), { nextSlotAt: clock.now() + 1000 });
    await store.schedules.create(schedule);
    const paused = await store.schedules.pause(schedule.id, clock.now());
    expect(paused).toMatchObject({ paused: true, nextSlotAt: clock.now() + 1000 });
    expect(await store.schedules.pause(schedule.id, clock.now() + 5)).toEqual(paused);

    await clock.advance(HOUR);
    const claim = { owner: 'a', now: clock.now(), leaseMs: 5000, limit: 10, workflows: [WF.name] };
    expect(await store.schedules.claimDue(claim)).toEqual([]);

    const next = { nextSlotAt: clock.now() + 500, nextFireAt: clock.now() + 700 };
    const resumed = await store.schedules.resume(schedule.id, next, clock.now());
    expect(resumed).toMatchObject({ paused: false, ...next, updatedAt: clock.now() });
    // Resuming a running schedule changes nothing.
    expect(await store.schedules.resume(schedule.id, { nextSlotAt: 1, nextFireAt: 1 }, clock.now())).toEqual(resumed);
    expect(await store.schedules.claimDue({ ...claim, now: clock.now() + 699 })).toEqual([]);
    expect(ids(await store.schedules.claimDue({ ...claim, now: clock.now() + 700 }))).toEqual([schedule.id]);

    expect(await store.schedules.pause('nope', clock.now())).toBeNull();
    expect(await store.schedules.resume('nope', next, clock.now())).toBeNull();
  });

  it('removes a schedule only with its origin', async () => {
    const { store, clock } = ctx();
    await store.schedules.create(newSchedule(clock.now(), { id: 'api-one' }));
    await store.schedules.upsertDeclared(newSchedule(clock.now(), { id: WF.name, origin: 'workflow' }));
    expect(await store.schedules.remove('api-one', 'workflow')).toBe(false);
    expect(await store.schedules.remove(WF.name, 'api')).toBe(false);
    expect(await store.schedules.remove('api-one', 'api')).toBe(true);
    expect(await store.schedules.remove(WF.name, 'workflow')).toBe(true);
    expect(await store.schedules.remove(WF.name, 'workflow')).toBe(false);
    expect(await store.schedules.list({ limit: 10 })).toEqual([]);
  });

  it('claims due schedules of the given workflows, once, until the claim expires; releases only for the owner', async () => {
    const { store, clock } = ctx();
    const now = clock.now();
    const due = newSchedule(now, { id: 'due', nextSlotAt: now - 1000, nextFireAt: now });
    const later = newSchedule(now, { id: 'later', nextSlotAt: now, nextFireAt: now + 1 });
    const other = newSchedule(now, { id: 'other', workflow: OTHER.name, nextSlotAt: now - 5, nextFireAt: now - 5 });
    const never = newSchedule(now, { id: 'never', nextSlotAt: null, nextFireAt: null });
    for (const schedule of [due, later, other, never]) await store.schedules.create(schedule);

    const claim = { owner: 'a', now, leaseMs: 5000, limit: 10, workflows: [WF.name] };
    const [claimed, ...none] = await store.schedules.claimDue(claim);
    expect(none).toEqual([]);
    expect(claimed).toEqual({ ...stored(due), claim: { owner: 'a', expiresAt: now + 5000 } });
    expect(await store.schedules.claimDue({ ...claim, owner: 'b' })).toEqual([]);
    expect(ids(await store.schedules.claimDue({ ...claim, owner: 'b', workflows: [WF.name, OTHER.name] }))).toEqual([
      'other',
    ]);

    // The claim expired: another scheduler takes it over, and the first one's release is refused.
    await clock.advance(5000);
    const taken = await store.schedules.claimDue({ ...claim, owner: 'c', now: clock.now(), limit: 1 });
    expect(taken).toMatchObject([{ id: 'due', claim: { owner: 'c' } }]);
    const release = {
      id: 'due',
      owner: 'a',
      now: clock.now(),
      nextSlotAt: now + HOUR,
      nextFireAt: now + HOUR + 20,
      bufferedSlotAt: null,
      lastSlotAt: now - 1000,
      lastRunId: 'run-1',
    };
    expect(await store.schedules.release(release)).toBe(false);
    expect(await store.schedules.release({ ...release, owner: 'c' })).toBe(true);
    expect(await store.schedules.release({ ...release, owner: 'c' })).toBe(false);
    expect(await store.schedules.get('due')).toEqual({
      ...stored(due),
      nextSlotAt: now + HOUR,
      nextFireAt: now + HOUR + 20,
      lastSlotAt: now - 1000,
      lastRunId: 'run-1',
      updatedAt: clock.now(),
    });
    // Released, it is due again only at its next fire time; `later` fell due meanwhile.
    expect(ids(await store.schedules.claimDue({ ...claim, owner: 'd', now: clock.now() }))).toEqual(['later']);
    expect(await store.schedules.claimDue({ ...claim, owner: 'e', now: clock.now() + 4999 })).toEqual([]);
    expect(ids(await store.schedules.claimDue({ ...claim, owner: 'e', now: now + HOUR + 20 }))).toEqual([
      'later',
      'due',
    ]);
  });

  it('claims a schedule holding a buffered slot once its last run has finished, to fire the slot', async () => {
    const { store, clock } = ctx();
    const now = clock.now();
    await store.schedules.create(newSchedule(now, { id: 'buffered', nextSlotAt: now - 10, nextFireAt: now - 10 }));
    const claim = { owner: 'a', now, leaseMs: 5000, limit: 10, workflows: [WF.name] };
    await store.schedules.claimDue(claim);
    const lastRun = newRun(now);
    await store.runs.create(lastRun);
    const release = { id: 'buffered', owner: 'a', now, lastSlotAt: now - 10, lastRunId: lastRun.id };
    await store.schedules.release({
      ...release,
      nextSlotAt: now + HOUR,
      nextFireAt: now + HOUR,
      bufferedSlotAt: now - 5,
    });
    // The last run is queued: the held slot waits for it.
    expect(await store.schedules.claimDue(claim)).toEqual([]);
    await store.runs.cancel(lastRun.id, now);
    expect(await store.schedules.claimDue(claim)).toMatchObject([{ id: 'buffered', bufferedSlotAt: now - 5 }]);
    await store.schedules.release({ ...release, nextSlotAt: now + HOUR, nextFireAt: now + HOUR, bufferedSlotAt: null });
    expect(await store.schedules.claimDue(claim)).toEqual([]);
    // Pausing drops the buffered slot: it is not fired after the pause.
    await store.schedules.claimDue({ ...claim, now: now + HOUR });
    await store.schedules.release({
      ...release,
      nextSlotAt: now + 2 * HOUR,
      nextFireAt: now + 2 * HOUR,
      bufferedSlotAt: now + HOUR,
    });
    expect(await store.schedules.pause('buffered', now)).toMatchObject({ bufferedSlotAt: null, claim: null });
  });

  it('never gives one schedule to two schedulers claiming at once from separate connections', async () => {
    const { store, clock, fx } = ctx();
    const now = clock.now();
    for (let i = 0; i < 30; i++) {
      await store.schedules.create(newSchedule(now, { id: `s${String(i).padStart(2, '0')}`, nextFireAt: now - i }));
    }
    const connections = [store, fx.connect(), fx.connect()];
    const claims = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        connections[i % 3]!.schedules.claimDue({ owner: `o${i}`, now, leaseMs: 5000, limit: 4, workflows: [WF.name] }),
      ),
    );
    const claimed = claims.flatMap((batch) => ids(batch));
    expect(claimed).toHaveLength(30);
    expect(new Set(claimed).size).toBe(30);
    // Each claim holds what it got: every schedule's claim is its claimer's.
    for (const [i, batch] of claims.entries()) {
      for (const schedule of batch) expect((await store.schedules.get(schedule.id))!.claim!.owner).toBe(`o${i}`);
    }
  });
}
