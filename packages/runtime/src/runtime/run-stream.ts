import type { Clock } from '../core/clock.js';
import { isTerminalStatus, type RunStatus } from '../core/run-status.js';
import type { StepStatus } from '../core/step-identity.js';
import type { StepRecord } from '../store/checkpoint-store.js';
import type { Store } from '../store/store.js';
import type { VigilClient } from './client.js';
import type { RuntimeEventMap, RuntimeEventName, RuntimeEvents } from './events.js';
import type { RunDetails } from './run-view.js';

/** One message of a run's stream: an event with its JSON payload, or a heartbeat. */
export type RunStreamMessage = { event: string; data: unknown } | { heartbeat: true };

/** The runtime events a run's stream forwards, as they are emitted in this process. */
export const STREAMED_EVENTS = [
  'step.started',
  'step.completed',
  'step.failed',
  'step.retrying',
  'run.suspended',
  'run.completed',
  'run.failed',
  'run.cancelled',
  'run.dead_lettered',
  'escalation.opened',
  'llm.token',
] as const satisfies readonly RuntimeEventName[];

const RUN_ENDING: ReadonlySet<string> = new Set(['run.completed', 'run.failed', 'run.cancelled', 'run.dead_lettered']);

export interface RunStreamOptions {
  /** How often the store is read for changes made by other processes. Default 1 s. */
  pollMs?: number;
  /** How often a heartbeat goes out while nothing else does. Default 15 s. */
  heartbeatMs?: number;
}

/**
 * What `GET /v1/runs/:id/stream` sends: a `snapshot` (the run view), then the run's runtime
 * events as this process emits them, until the run finishes.
 *
 * Events are per process: a run executing on another worker emits nothing here. So the stream
 * also reads the run's steps and status from the store every `pollMs` and sends what changed
 * as the same events (their payloads carry `polled: true`) — `llm.token` and
 * `escalation.opened` only ever come from this process. A change already sent as an event is
 * not sent again by the poll.
 */
export class RunStreams {
  constructor(
    private readonly deps: { client: VigilClient; store: Store; events: RuntimeEvents; clock: Clock },
    private readonly options: RunStreamOptions = {},
  ) {}

  /**
   * Streams run `id` to `send` until it finishes or `signal` aborts. Resolves false at once,
   * sending nothing, when there is no such run.
   */
  async stream(id: string, send: (message: RunStreamMessage) => Promise<void>, signal: AbortSignal): Promise<boolean> {
    const { client, store, events, clock } = this.deps;
    const pollMs = this.options.pollMs ?? 1000;
    const heartbeatMs = this.options.heartbeatMs ?? 15_000;
    const queue: RunStreamMessage[] = [];
    let wake: (() => void) | undefined;
    const push = (message: RunStreamMessage): void => {
      queue.push(message);
      wake?.();
    };
    // Subscribed before the snapshot is read, so nothing between the two is lost.
    const unsubscribe = STREAMED_EVENTS.map((name) =>
      events.on(name, (payload: RuntimeEventMap[typeof name]) => {
        if ('runId' in payload && payload.runId === id) push({ event: name, data: payload });
      }),
    );
    try {
      const snapshot = await client.getRun(id);
      if (!snapshot) return false;
      const seen = new SeenState(snapshot);
      await send({ event: 'snapshot', data: snapshot });
      if (isTerminalStatus(snapshot.status)) return true;
      let nextPoll = clock.now() + pollMs;
      let nextHeartbeat = clock.now() + heartbeatMs;
      while (!signal.aborted) {
        while (queue.length > 0) {
          const message = queue.shift()!;
          if ('event' in message && !seen.take(message.event, message.data)) continue;
          await send(message);
          nextHeartbeat = clock.now() + heartbeatMs;
          if ('event' in message && RUN_ENDING.has(message.event)) return true;
        }
        const now = clock.now();
        if (now >= nextPoll) {
          nextPoll = now + pollMs;
          const run = await store.runs.get(id);
          const steps = await store.checkpoints.list(id);
          for (const message of seen.changes(id, run?.status ?? 'cancelled', steps, run?.readyAt ?? null))
            push(message);
          continue;
        }
        if (now >= nextHeartbeat) {
          nextHeartbeat = now + heartbeatMs;
          await send({ heartbeat: true });
          continue;
        }
        // Until the next poll or heartbeat, or an event; the timer is dropped either way.
        const tick = new AbortController();
        const cancel = (): void => tick.abort();
        signal.addEventListener('abort', cancel, { once: true });
        const woken = new Promise<void>((resolve) => (wake = resolve));
        await Promise.race([woken, clock.sleep(Math.min(nextPoll, nextHeartbeat) - now, tick.signal)]);
        tick.abort();
        signal.removeEventListener('abort', cancel);
        wake = undefined;
      }
      return true;
    } finally {
      for (const off of unsubscribe) off();
    }
  }
}

/** What the stream has told its reader about each step and the run, so the poll sends only news. */
class SeenState {
  /** How far each step has got, as {@link progressOf} measures it. */
  private readonly steps = new Map<number, number>();
  private status: RunStatus;

  constructor(snapshot: RunDetails) {
    this.status = snapshot.status;
    for (const step of snapshot.steps) this.steps.set(step.seq, progressOf(step.status, step.attempts));
  }

  /**
   * Notes a message as it goes out, from this process's events or from a poll; false if what it
   * reports was already sent. Deciding here, not when the poll ran, keeps a polled message queued
   * behind an event of this process from hiding that event.
   */
  take(event: string, data: unknown): boolean {
    const payload = data as { seq?: number; attempt?: number; status?: StepStatus; polled?: boolean };
    const status = stepStatusOf(event, payload.status);
    if (status && payload.seq !== undefined && payload.attempt !== undefined) {
      const progress = progressOf(status, payload.attempt);
      if (progress <= (this.steps.get(payload.seq) ?? -1)) return false;
      this.steps.set(payload.seq, progress);
    }
    const runStatus = runStatusOf(event, data);
    if (runStatus) {
      // This process's suspensions are each news; a poll's, or a second ending, are not.
      if (runStatus === this.status && (payload.polled || RUN_ENDING.has(event))) return false;
      this.status = runStatus;
    }
    return true;
  }

  /** The events for what changed in the store since the stream last told the reader. */
  changes(runId: string, status: RunStatus, steps: StepRecord[], wakeAt: number | null): RunStreamMessage[] {
    const messages: RunStreamMessage[] = [];
    for (const step of steps) {
      // Journaled values (`$now`, memory) are not steps a reader follows.
      if (step.name.startsWith('$')) continue;
      // Never backwards: an event of this process can run ahead of the commit the poll reads.
      if (progressOf(step.status, step.attempts) <= (this.steps.get(step.seq) ?? -1)) continue;
      const event = STEP_EVENTS[step.status];
      if (!event) continue;
      const base = { runId, seq: step.seq, name: step.name, attempt: step.attempts, status: step.status, polled: true };
      messages.push({
        event,
        data: step.status === 'failed' || step.status === 'retrying' ? { ...base, error: step.error } : base,
      });
    }
    if (status !== this.status) {
      const event = RUN_EVENTS[status];
      // A status without an event (running, queued) is only noted, so its next change is seen.
      if (!event) this.status = status;
      else
        messages.push({
          event,
          data: { runId, status, ...(event === 'run.suspended' ? { wakeAt } : {}), polled: true },
        });
    }
    return messages;
  }
}

/**
 * How far a step has got: its attempt, then started (0) < waiting between attempts or on a
 * timer (1) < ended (2). A step's record only ever moves forward on this scale.
 */
function progressOf(status: StepStatus, attempts: number): number {
  const stage =
    status === 'running' ? 0 : status === 'sleeping' || status === 'retrying' || status === 'waiting' ? 1 : 2;
  return attempts * 3 + stage;
}

const STEP_EVENTS: Partial<Record<StepStatus, RuntimeEventName>> = {
  running: 'step.started',
  completed: 'step.completed',
  degraded: 'step.completed',
  escalated: 'step.completed',
  failed: 'step.failed',
  retrying: 'step.retrying',
};

const RUN_EVENTS: Partial<Record<RunStatus, RuntimeEventName>> = {
  sleeping: 'run.suspended',
  waiting: 'run.suspended',
  retrying: 'run.suspended',
  completed: 'run.completed',
  completed_partial: 'run.completed',
  failed: 'run.failed',
  cancelled: 'run.cancelled',
  dead_lettered: 'run.dead_lettered',
};

function stepStatusOf(event: string, status: StepStatus | undefined): StepStatus | undefined {
  if (event === 'step.started') return 'running';
  if (event === 'step.completed') return status ?? 'completed';
  if (event === 'step.failed') return 'failed';
  if (event === 'step.retrying') return 'retrying';
  return undefined;
}

function runStatusOf(event: string, data: unknown): RunStatus | undefined {
  const payload = data as { status?: RunStatus };
  if (event === 'run.suspended' || event === 'run.completed') return payload.status;
  if (event === 'run.failed') return 'failed';
  if (event === 'run.cancelled') return 'cancelled';
  if (event === 'run.dead_lettered') return 'dead_lettered';
  return undefined;
}
