/** Contract cases for the outbox: claims under a lease, delivery, retries, giving up. */
import { expect, it } from 'vitest';

import type { NewOutboxMessage } from '../outbox-store.js';
import type { Store } from '../store.js';
import { message, newRun, step, type ContractContext } from './context.js';

/** Writes `messages` the only way they are written: riding along with step commits. */
async function announce(store: Store, now: number, messages: NewOutboxMessage[]): Promise<void> {
  const created = await store.runs.create(newRun(now, { leaseTo: { owner: 'w1', leaseTtlMs: 60_000 } }));
  const { lease } = created.leased!;
  await store.checkpoints.commit(
    lease,
    messages.map((notification, i) => ({ ...step(i + 1), notification })),
  );
}

const ids = (messages: Array<{ id: string }>) => messages.map((m) => m.id);

export function outboxContract(ctx: () => ContractContext): void {
  it('claims due messages oldest first and hides them until the claim lease passes', async () => {
    const { store, clock } = ctx();
    const now = clock.now();
    const [older, newer, later] = [message(now - 2), message(now - 1), message(now + 5000)];
    await announce(store, now, [newer, later, older]);

    const claimed = await store.outbox.claimDue(now, 10, 1000);
    expect(claimed).toEqual([
      { ...older, attempts: 1, lastError: null },
      { ...newer, attempts: 1, lastError: null },
    ]);
    expect(await store.outbox.claimDue(now, 10, 1000)).toEqual([]);
    await clock.advance(999);
    expect(await store.outbox.claimDue(clock.now(), 10, 1000)).toEqual([]);
    await clock.advance(1);
    expect(await store.outbox.claimDue(clock.now(), 1, 1000)).toEqual([{ ...older, attempts: 2, lastError: null }]);
    expect(ids(await store.outbox.claimDue(clock.now(), 10, 1000))).toEqual([newer.id]);
    await Promise.all([store.outbox.delivered(older.id, clock.now()), store.outbox.delivered(newer.id, clock.now())]);
    await clock.advance(4000);
    expect(ids(await store.outbox.claimDue(clock.now(), 10, 1000))).toEqual([later.id]);
  });

  it('never hands out a delivered message again; a failed one comes back at its retry time, or never', async () => {
    const { store, clock } = ctx();
    const [sent, flaky] = [message(clock.now()), message(clock.now())];
    await announce(store, clock.now(), [sent, flaky]);
    expect(ids(await store.outbox.claimDue(clock.now(), 10, 1000))).toEqual([sent.id, flaky.id]);
    await store.outbox.delivered(sent.id, clock.now());
    await store.outbox.failed(flaky.id, 'HTTP 500', clock.now() + 300, clock.now());

    await clock.advance(299);
    expect(await store.outbox.claimDue(clock.now(), 10, 1000)).toEqual([]);
    await clock.advance(1);
    expect(await store.outbox.claimDue(clock.now(), 10, 1000)).toEqual([
      { ...flaky, attempts: 2, lastError: 'HTTP 500' },
    ]);
    await store.outbox.failed(flaky.id, 'HTTP 410', null, clock.now());
    // A late failure report for a delivered message does not bring it back.
    await store.outbox.failed(sent.id, 'timeout', clock.now(), clock.now());
    await clock.advance(86_400_000);
    expect(await store.outbox.claimDue(clock.now(), 10, 1000)).toEqual([]);
  });

  it('gives concurrent claimers different messages', async () => {
    const { store, clock } = ctx();
    const messages = Array.from({ length: 5 }, () => message(clock.now()));
    await announce(store, clock.now(), messages);
    const [a, b] = await Promise.all([
      store.outbox.claimDue(clock.now(), 3, 1000),
      store.outbox.claimDue(clock.now(), 3, 1000),
    ]);
    expect(a.length + b.length).toBe(5);
    expect(new Set([...ids(a), ...ids(b)])).toEqual(new Set(messages.map((m) => m.id)));
  });
}
