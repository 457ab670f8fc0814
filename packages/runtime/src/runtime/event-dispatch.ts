import { InvalidArgumentError, toErrorRecord } from '../core/errors.js';
import { eventMatches } from '../core/event-match.js';
import { validateIdempotencyKey } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { AnyWorkflow } from '../core/workflow.js';
import { eventPrincipal } from '../governance/principal.js';
import type { EventRecord } from '../store/event-store.js';
import type { Store } from '../store/store.js';
import type { VigilClient } from './client.js';
import { isRefusedByFlowFunction } from './run-flow.js';
import type { WorkflowRegistry } from './workflow-registry.js';

/** What dispatching one event did. */
export interface Dispatch {
  /** Runs started by workflows triggered on it (new or, on a repeat, the same ones). */
  started: string[];
  /** Waiting runs it woke. */
  woke: number;
}

/**
 * Hands an event to everything waiting for it: starts a run of each workflow whose `on`
 * matches (keyed `event:<eventId>:<workflow>`, or by the workflow's `on.idempotencyKey`, so a
 * repeat starts nothing new), wakes the runs whose `ctx.waitForEvent` matches, and marks it
 * dispatched. Safe to run twice for one event and from several processes: the trigger keys and
 * the conditional wake make a repeat harmless.
 *
 * A workflow that cannot start on the event — its input refuses the payload, its key function
 * throws or returns a bad key, or its key already started a run with another payload — is
 * logged and skipped; the others and the waiting runs still get the event, and the event is
 * marked dispatched. Each of those is decided by the payload and the workflow's code, so
 * dispatching again would fail the same way (and every worker's sweep would retry it forever).
 */
export class EventDispatcher {
  constructor(private readonly deps: { store: Store; registry: WorkflowRegistry; runs: VigilClient; logger: Logger }) {}

  async dispatch(event: EventRecord, now: () => number): Promise<Dispatch> {
    const { store, registry, runs } = this.deps;
    const payload = JSON.parse(event.payload) as unknown;
    const started: string[] = [];
    for (const workflow of registry.latestVersions()) {
      if (workflow.on?.event !== event.name || !eventMatches(workflow.on.match, payload)) continue;
      const key = this.runKey(workflow, event, payload);
      if (key === null) continue;
      try {
        const run = await runs.start(workflow, payload, {
          idempotencyKey: key.value,
          // The run's principal is the event; the event records who sent it.
          principal: eventPrincipal(event.id),
        });
        started.push(run.id);
      } catch (error) {
        this.skipOrThrow(error, event, workflow, key.fromPayload);
      }
    }
    const waiting = (await store.events.waitsFor(event.name)).filter((wait) =>
      eventMatches(wait.match === null ? null : (JSON.parse(wait.match) as Record<string, never>), payload),
    );
    const eligible = waiting.filter((wait) => wait.since <= event.receivedAt);
    const woke =
      eligible.length === 0
        ? 0
        : await store.events.wake(
            eligible.map((w) => w.runId),
            now(),
          );
    await store.events.markDispatched(event.id, started, now());
    return { started, woke };
  }

  /** Dispatches events left undispatched (their process died between storing and dispatching). */
  async sweep(now: () => number, limit = 100): Promise<number> {
    const pending = await this.deps.store.events.undispatched(limit);
    for (const event of pending) await this.dispatch(event, now);
    return pending.length;
  }

  /**
   * The idempotency key of the run `event` starts of `workflow`: what `on.idempotencyKey`
   * returns for the parsed payload, else one per event. Null (logged) when the key function
   * throws or returns something that is not a valid key.
   */
  private runKey(
    workflow: AnyWorkflow,
    event: EventRecord,
    payload: unknown,
  ): { value: string; fromPayload: boolean } | null {
    const byEvent = { value: `event:${event.id}:${workflow.name}`, fromPayload: false };
    const keyOf = workflow.on?.idempotencyKey;
    if (!keyOf) return byEvent;
    const parsed = workflow.input.safeParse(payload);
    // The start refuses this payload with `input_invalid`, which is logged there.
    if (!parsed.success) return byEvent;
    try {
      const key: unknown = keyOf(parsed.data);
      if (typeof key !== 'string') {
        throw new InvalidArgumentError(
          `on.idempotencyKey returned ${key === null ? 'null' : typeof key}, not a string`,
        );
      }
      return { value: validateIdempotencyKey(key), fromPayload: true };
    } catch (error) {
      this.deps.logger.warn('the idempotency key of a triggered run could not be made; the event does not start it', {
        eventId: event.id,
        event: event.name,
        workflow: workflow.name,
        error: toErrorRecord(error).message,
      });
      return null;
    }
  }

  /** Logs a start that the payload or the workflow's code rules out for good; rethrows anything else. */
  private skipOrThrow(error: unknown, event: EventRecord, workflow: AnyWorkflow, keyFromPayload: boolean): void {
    const record = toErrorRecord(error);
    const fields = { eventId: event.id, event: event.name, workflow: workflow.name, error: record.message };
    // A payload the workflow's input (or its concurrency key or priority function) refuses will
    // never start it: say so, and go on.
    if (record.code === 'input_invalid' || isRefusedByFlowFunction(error)) {
      this.deps.logger.warn('an event does not fit the input of the workflow it triggers', fields);
      return;
    }
    // Another event carrying the same item started its run with a different payload: that run
    // stands (a key is one run), and this event starts nothing.
    if (record.code === 'idempotency_conflict' && keyFromPayload) {
      this.deps.logger.warn('an event carries an item whose run already started with another payload', fields);
      return;
    }
    throw error;
  }
}
