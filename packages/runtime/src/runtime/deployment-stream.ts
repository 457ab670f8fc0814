import type { Clock } from '../core/clock.js';
import type { RunStatus } from '../core/run-status.js';
import type { EscalationStatus } from '../store/escalation-store.js';
import type { Store } from '../store/store.js';
import type { RuntimeEventName, RuntimeEvents } from './events.js';

/** A run whose status changed, as `GET /v1/stream` sends it. */
export interface RunChangeView {
  id: string;
  workflow: string;
  status: RunStatus;
  updatedAt: string;
}

/** An escalation opened or closed, as `GET /v1/stream` sends it. */
export interface EscalationChangeView {
  id: string;
  runId: string;
  status: EscalationStatus;
}

export type DeploymentStreamMessage =
  { event: 'run'; data: RunChangeView } | { event: 'escalation'; data: EscalationChangeView } | { heartbeat: true };

export interface DeploymentStreamOptions {
  /** How often the store is read for changes made by every process. Default 1 s. */
  pollMs?: number;
  /** How often a heartbeat goes out while nothing else does. Default 15 s. */
  heartbeatMs?: number;
  /** Rows read per poll, of runs and of escalations each. Default 500. */
  pageSize?: number;
}

const RUN_EVENTS = [
  'run.created',
  'run.claimed',
  'run.suspended',
  'run.completed',
  'run.failed',
  'run.dead_lettered',
  'run.cancelled',
] as const satisfies readonly RuntimeEventName[];
const ESCALATION_EVENTS = ['escalation.opened', 'escalation.resolved'] as const satisfies readonly RuntimeEventName[];

/**
 * What `GET /v1/stream` sends: every change of a run's status and every escalation opened or
 * closed in the whole deployment, from the moment the stream opens.
 *
 * Other processes' changes are found by polling the store every `pollMs` for rows updated since
 * the last poll, looking back one more poll interval so a commit that landed late with an earlier
 * time is still seen; this process's changes go out at once, read from the store when its
 * runtime events say something changed. A change is sent once, however it was found.
 */
export class DeploymentStream {
  constructor(
    private readonly deps: { store: Store; events: RuntimeEvents; clock: Clock },
    private readonly options: DeploymentStreamOptions = {},
  ) {}

  /** Streams changes to `send` until `signal` aborts. */
  async stream(send: (message: DeploymentStreamMessage) => Promise<void>, signal: AbortSignal): Promise<void> {
    const { store, events, clock } = this.deps;
    const pollMs = this.options.pollMs ?? 1000;
    const heartbeatMs = this.options.heartbeatMs ?? 15_000;
    const pageSize = this.options.pageSize ?? 500;
    const sent = new SentChanges();
    const runIds = new Set<string>();
    const escalationIds = new Set<string>();
    let wake: (() => void) | undefined;
    const unsubscribe = [
      ...RUN_EVENTS.map((name) =>
        events.on(name, (payload: { runId: string }) => {
          runIds.add(payload.runId);
          wake?.();
        }),
      ),
      ...ESCALATION_EVENTS.map((name) =>
        events.on(name, (payload: { escalationId: string }) => {
          escalationIds.add(payload.escalationId);
          wake?.();
        }),
      ),
    ];
    const emit = async (message: DeploymentStreamMessage & { event: string }, key: string, version: string) => {
      if (!sent.take(key, version, clock.now())) return false;
      await send(message);
      return true;
    };
    try {
      let since = clock.now();
      let nextPoll = since + pollMs;
      let nextHeartbeat = since + heartbeatMs;
      while (!signal.aborted) {
        let wrote = false;
        // This process's own changes, at once.
        for (const id of [...runIds]) {
          runIds.delete(id);
          const run = await store.runs.get(id);
          if (!run) continue;
          const data = { id, workflow: run.workflow, status: run.status, updatedAt: iso(run.updatedAt) };
          wrote = (await emit({ event: 'run', data }, `run:${id}`, `${run.status}@${run.updatedAt}`)) || wrote;
        }
        for (const id of [...escalationIds]) {
          escalationIds.delete(id);
          const escalation = await store.escalations.get(id);
          if (!escalation) continue;
          const data = { id, runId: escalation.runId, status: escalation.status };
          wrote = (await emit({ event: 'escalation', data }, `escalation:${id}`, escalation.status)) || wrote;
        }
        const now = clock.now();
        if (now >= nextPoll) {
          nextPoll = now + pollMs;
          const changes = await store.overview.changesSince(since - pollMs, pageSize);
          for (const run of changes.runs) {
            const data = { id: run.id, workflow: run.workflow, status: run.status, updatedAt: iso(run.updatedAt) };
            wrote = (await emit({ event: 'run', data }, `run:${run.id}`, `${run.status}@${run.updatedAt}`)) || wrote;
          }
          for (const e of changes.escalations) {
            const data = { id: e.id, runId: e.runId, status: e.status };
            wrote = (await emit({ event: 'escalation', data }, `escalation:${e.id}`, e.status)) || wrote;
          }
          // A full page: carry on from its newest row at the next poll rather than skip the rest.
          const full = changes.runs.length === pageSize || changes.escalations.length === pageSize;
          since = full
            ? Math.min(changes.runs.at(-1)?.updatedAt ?? now, changes.escalations.at(-1)?.changedAt ?? now) + pollMs
            : now;
          sent.forgetBefore(since - 2 * pollMs);
        }
        if (wrote) nextHeartbeat = clock.now() + heartbeatMs;
        else if (now >= nextHeartbeat) {
          nextHeartbeat = now + heartbeatMs;
          await send({ heartbeat: true });
        }
        if (runIds.size > 0 || escalationIds.size > 0) continue;
        // Until the next poll or heartbeat, or an event of this process; the timer is dropped either way.
        const tick = new AbortController();
        const cancel = (): void => tick.abort();
        signal.addEventListener('abort', cancel, { once: true });
        const woken = new Promise<void>((resolve) => (wake = resolve));
        await Promise.race([
          woken,
          clock.sleep(Math.max(0, Math.min(nextPoll, nextHeartbeat) - clock.now()), tick.signal),
        ]);
        tick.abort();
        signal.removeEventListener('abort', cancel);
        wake = undefined;
      }
    } finally {
      for (const off of unsubscribe) off();
    }
  }
}

/** The last version of each row sent, forgotten once the poll window has moved past it. */
class SentChanges {
  private readonly versions = new Map<string, { version: string; at: number }>();

  /** Notes `version` of `key` as sent at `at`; false if it was the last one sent already. */
  take(key: string, version: string, at: number): boolean {
    if (this.versions.get(key)?.version === version) return false;
    this.versions.set(key, { version, at });
    return true;
  }

  forgetBefore(at: number): void {
    for (const [key, entry] of this.versions) if (entry.at < at) this.versions.delete(key);
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();
