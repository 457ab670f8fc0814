import { toErrorRecord } from '../core/errors.js';
import { eventMatches } from '../core/event-match.js';
import type { Logger } from '../core/logger.js';
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
 * matches (keyed `event:<eventId>:<workflow>`, so a repeat starts nothing new), wakes the runs
 * whose `ctx.waitForEvent` matches, and marks it dispatched. Safe to run twice for one event
 * and from several processes: the trigger keys and the conditional wake make a repeat harmless.
 */
export class EventDispatcher {
  constructor(private readonly deps: { store: Store; registry: WorkflowRegistry; runs: VigilClient; logger: Logger }) {}

  async dispatch(event: EventRecord, now: () => number): Promise<Dispatch> {
    const { store, registry, runs, logger } = this.deps;
    const payload = JSON.parse(event.payload) as unknown;
    const started: string[] = [];
    for (const workflow of registry.latestVersions()) {
      if (workflow.on?.event !== event.name || !eventMatches(workflow.on.match, payload)) continue;
      try {
        const run = await runs.start(workflow, payload, {
          idempotencyKey: `event:${event.id}:${workflow.name}`,
          ...(event.principal === null ? {} : { principal: event.principal }),
        });
        started.push(run.id);
      } catch (error) {
        const record = toErrorRecord(error);
        // A payload the workflow's input (or its concurrency key or priority function) refuses
        // will never start it: say so, and go on.
        if (record.code !== 'input_invalid' && !isRefusedByFlowFunction(error)) throw error;
        logger.warn('an event does not fit the input of the workflow it triggers', {
          eventId: event.id,
          workflow: workflow.name,
          error: record.message,
        });
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
}
