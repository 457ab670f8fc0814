import type { EventWaitResult } from '../core/context.js';
import { eventMatches, type EventMatch } from '../core/event-match.js';
import type { StepRecord } from '../store/checkpoint-store.js';
import type { EventRecord } from '../store/event-store.js';
import type { PolicyHost, PolicyResult } from './policy-host.js';
import { announceOutcome, STOPPED, stepRow } from './step-runner.js';

/** What a wait is for, fixed when it first runs (and kept in the step's detail). */
export interface EventWaitSpec {
  name: string;
  match: EventMatch | null;
  timeoutMs: number | undefined;
  lookbackMs: number;
}

interface WaitDetail {
  event: string;
  since: number;
  deadline: number | null;
}

/**
 * `ctx.waitForEvent`: a step of kind `event`. It takes the oldest matching event received since
 * `now - lookback` that this run has not received yet; if there is none it registers its wait
 * with the run's suspension (status `waiting`, woken early by a matching event, at the latest by
 * the timeout). After the suspension commits it looks once more, so an event stored while the
 * wait was being written is not missed: whichever of the two commits second sees the other.
 */
export async function runEventWaitStep(
  host: PolicyHost,
  seq: number,
  stepName: string,
  spec: EventWaitSpec,
  recorded: StepRecord | undefined,
): Promise<PolicyResult> {
  const call = { seq, name: stepName, kind: 'event' as const };
  const { store, clock } = host.deps;
  const now = clock.now();
  try {
    const detail: WaitDetail = recorded?.detail
      ? (JSON.parse(recorded.detail) as WaitDetail)
      : {
          event: spec.name,
          since: now - spec.lookbackMs,
          deadline: spec.timeoutMs === undefined ? null : now + spec.timeoutMs,
        };
    const base = {
      attempts: 1,
      startedAt: recorded?.startedAt ?? now,
      detail: JSON.stringify(detail),
    };
    const event = await findEvent(host, spec, detail.since);
    if (event) {
      const result: EventWaitResult = {
        timedOut: false,
        event: {
          id: event.id,
          name: event.name,
          payload: JSON.parse(event.payload) as unknown,
          receivedAt: new Date(event.receivedAt).toISOString(),
        },
      };
      const row = stepRow(call, 'completed', {
        ...base,
        output: JSON.stringify(result),
        endedAt: now,
        receivedEvent: { eventId: event.id },
      });
      host.commitLater(row, announceOutcome(host, row));
      return { ok: true, value: result };
    }
    if (detail.deadline !== null && detail.deadline <= now) {
      const result: EventWaitResult = { timedOut: true, event: null };
      const row = stepRow(call, 'completed', {
        ...base,
        output: JSON.stringify(result),
        endedAt: now,
        receivedEvent: { eventId: null },
      });
      host.commitLater(row, announceOutcome(host, row));
      return { ok: true, value: result };
    }
    const row = stepRow(call, 'waiting', {
      ...base,
      wakeAt: detail.deadline,
      eventWait: {
        runId: host.runId,
        seq,
        name: spec.name,
        match: spec.match === null ? null : JSON.stringify(spec.match),
        since: detail.since,
        deadline: detail.deadline,
      },
    });
    return host.wait(row, detail.deadline, 'waiting', () => {
      // The run is released by now: if a matching event slipped in meanwhile, wake it.
      void findEvent(host, spec, detail.since)
        .then((late) => (late ? store.events.wake([host.runId], clock.now()) : 0))
        .catch((error: unknown) =>
          host.log.warn('could not check for an event that arrived while the wait was written', {
            error: String(error),
          }),
        );
    });
  } catch (error) {
    host.storeFailed(error);
    return STOPPED;
  }
}

async function findEvent(host: PolicyHost, spec: EventWaitSpec, since: number): Promise<EventRecord | undefined> {
  const { store } = host.deps;
  const [candidates, received] = await Promise.all([
    store.events.candidates(spec.name, since, 500),
    store.events.receivedBy(host.runId),
  ]);
  const taken = new Set([...received, ...host.receivedEventIds]);
  return candidates.find(
    (event) => !taken.has(event.id) && eventMatches(spec.match, JSON.parse(event.payload) as unknown),
  );
}
