// Counts and times the statements Vigil's PostgreSQL store sends: every one goes through
// `pg.Pool.prototype.query` (one round trip each), which this wraps in the benchmark process
// only. Statements are told apart by the shape of their SQL.
import pg from 'pg';

import { performance } from './clock.js';

/** What a statement does, recognised by its SQL. */
export const STATEMENT_KINDS = {
  /** `runs.create`: insert the run (leased to the local worker, or queued with a NOTIFY). */
  create: /^WITH released AS \(\s*UPDATE runs SET idempotency_key/,
  /**
   * The group commit's statements: `checkpoints.commit` and `queue.finish` of one or more runs, each
   * fenced on its lease (one statement carries the writes of several runs).
   */
  stepCommit: /^WITH fence AS/,
  /** `queue.finish` on its own (before group commit carried it): the run's outcome and its last step rows. */
  finish: /^WITH finished AS/,
  /** The worker's claim loop: `queue.claim`, the steps of the runs it claimed, `timers.nextWakeAt` when idle. */
  poll: /^WITH expired AS|FROM steps WHERE run_id = ANY|^SELECT LEAST\(/,
  /** `queue.renew`: the heartbeat. */
  renew: /^UPDATE runs r SET lease_expires_at/,
  /** Reads by the client: `runs.outcome` (`vigil.result()`), `runs.get`, `runs.list`. */
  read: /^SELECT .* FROM runs /s,
} as const;
export type StatementKind = keyof typeof STATEMENT_KINDS | 'other';
const KINDS = [...Object.keys(STATEMENT_KINDS), 'other'] as StatementKind[];

type ByKind = Record<StatementKind, number>;
const zero = (): ByKind => ({ create: 0, stepCommit: 0, finish: 0, poll: 0, renew: 0, read: 0, other: 0 });

/** Statements sent, and milliseconds from sending each to its answer, summed by kind. */
export interface StatementCounts {
  sent: ByKind;
  waitedMs: ByKind;
}

const counts: StatementCounts = { sent: zero(), waitedMs: zero() };
let installed = false;

function kindOf(text: string): StatementKind {
  const sql = text.trim();
  return KINDS.find((kind) => kind !== 'other' && STATEMENT_KINDS[kind].test(sql)) ?? 'other';
}

type Query = (this: pg.Pool, ...args: unknown[]) => unknown;

/** Wraps `pg.Pool.prototype.query` once; every pool in this process counts from then on. */
export function countPoolQueries(): void {
  if (installed) return;
  installed = true;
  const prototype = pg.Pool.prototype as unknown as { query: Query };
  const original = prototype.query;
  prototype.query = function (this: pg.Pool, ...args: unknown[]): unknown {
    const [first] = args;
    const kind = kindOf(typeof first === 'string' ? first : ((first as { text?: string } | null)?.text ?? ''));
    counts.sent[kind]++;
    const sent = performance.now();
    const answer = original.apply(this, args);
    if (answer instanceof Promise) {
      answer.then(
        () => (counts.waitedMs[kind] += performance.now() - sent),
        () => (counts.waitedMs[kind] += performance.now() - sent),
      );
    }
    return answer;
  };
}

/** The sum of counts from several processes. */
export function addCounts(all: StatementCounts[]): StatementCounts {
  const sum = { sent: zero(), waitedMs: zero() };
  for (const counts of all) {
    for (const kind of KINDS) {
      sum.sent[kind] += counts.sent[kind];
      sum.waitedMs[kind] += counts.waitedMs[kind];
    }
  }
  return sum;
}

/** The counts so far. */
export function statementCounts(): StatementCounts {
  return { sent: { ...counts.sent }, waitedMs: { ...counts.waitedMs } };
}

/** Round trips per step and per run, statements per run by kind, and time spent waiting on them. */
export function statementsPerRun(before: StatementCounts, after: StatementCounts, runs: number, stepsPerRun: number) {
  const sent = (kind: StatementKind): number => after.sent[kind] - before.sent[kind];
  const waited = (kind: StatementKind): number => after.waitedMs[kind] - before.waitedMs[kind];
  const total = KINDS.reduce((sum, kind) => sum + sent(kind), 0);
  const totalWaited = KINDS.reduce((sum, kind) => sum + waited(kind), 0);
  return {
    roundTripsPerStep: total / (runs * stepsPerRun),
    roundTripsPerRun: total / runs,
    createsPerRun: sent('create') / runs,
    stepCommitsPerRun: sent('stepCommit') / runs,
    finishesPerRun: sent('finish') / runs,
    pollsPerRun: sent('poll') / runs,
    renewsPerRun: sent('renew') / runs,
    readsPerRun: sent('read') / runs,
    otherPerRun: sent('other') / runs,
    /** Mean time from sending a statement to its answer, and that of the step commits alone. */
    statementMs: totalWaited / total,
    stepCommitMs: waited('stepCommit') / sent('stepCommit'),
  };
}

export type StatementsPerRun = ReturnType<typeof statementsPerRun>;
