import { InvalidArgumentError, StepMismatchError } from './errors.js';

/**
 * What a step is: a plain step, a tool call, a sleep, an escalation to a human. `now`,
 * `random` and `uuid` journal a value the workflow read, so replay sees the same value; they
 * are steps without a body.
 */
export type StepKind =
  'step' | 'tool' | 'llm' | 'sleep' | 'escalation' | 'event' | 'now' | 'random' | 'uuid' | 'memory';

/**
 * `running`: its "started" record is committed and its body may be executing (after a crash,
 * an attempt was in flight). `sleeping`: a durable timer is pending. `retrying`: an attempt
 * failed and the next one waits for its backoff. `waiting`: a blocking escalation waits for a
 * human. The rest are outcomes: `degraded` finished with its fallback, `escalated` finished
 * while its non-blocking escalation stays open for a human.
 */
export type StepStatus =
  'running' | 'sleeping' | 'retrying' | 'waiting' | 'completed' | 'degraded' | 'escalated' | 'failed' | 'cancelled';

/** Statuses a step ends in with a value the workflow received. */
export const SUCCESS_STATUSES: ReadonlySet<StepStatus> = new Set(['completed', 'degraded', 'escalated']);

/** The name a journaled value is recorded under; user step names cannot collide with it. */
/** The kinds that journal a value rather than run a body. */
export type JournalKind = 'now' | 'random' | 'uuid';

export const JOURNAL_NAMES: Record<JournalKind, string> = {
  now: '$now',
  random: '$random',
  uuid: '$uuid',
};

export const MAX_STEP_NAME_LENGTH = 200;

/** Checks a user-chosen step or sleep name. */
export function validateStepName(name: unknown, what = 'step name'): string {
  if (typeof name !== 'string' || name.trim().length === 0) {
    throw new InvalidArgumentError(`A ${what} must be a non-empty string; got ${JSON.stringify(name)}`);
  }
  if (name.length > MAX_STEP_NAME_LENGTH) {
    throw new InvalidArgumentError(
      `A ${what} must be at most ${MAX_STEP_NAME_LENGTH} characters: "${name.slice(0, 40)}…"`,
    );
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    throw new InvalidArgumentError(`A ${what} must not contain control characters: ${JSON.stringify(name)}`);
  }
  if (name.startsWith('$')) {
    throw new InvalidArgumentError(`A ${what} must not start with "$" (reserved for journaled values): "${name}"`);
  }
  return name;
}

/** The idempotency key of a step: stable across attempts, crashes and workers. */
export function stepIdempotencyKey(runId: string, seq: number): string {
  return `${runId}:${seq}`;
}

/**
 * On replay, the step requested at `seq` must be the one recorded there. A different name or
 * kind means the code is not the code that wrote the history.
 */
export function assertSameStep(
  runId: string,
  seq: number,
  recorded: { name: string; kind: StepKind },
  requested: { name: string; kind: StepKind },
): void {
  if (recorded.name !== requested.name || recorded.kind !== requested.kind) {
    throw new StepMismatchError(runId, seq, describe(recorded), describe(requested));
  }
}

function describe(step: { name: string; kind: StepKind }): string {
  return step.kind === 'step' || step.name.startsWith('$') ? step.name : `${step.kind}:${step.name}`;
}
