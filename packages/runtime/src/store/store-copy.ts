import { InvalidArgumentError } from '../core/errors.js';
import { COPIED_TABLES, type CopiedTable } from './copied-tables.js';
import type { PostgresStore } from './postgres/postgres-store.js';
import type { SqliteStore } from './sqlite/sqlite-store.js';

/** Rows copied, by table. */
export type CopyReport = Record<CopiedTable, number>;

/**
 * Moves every run and step from a SQLite store to a PostgreSQL store, rows verbatim (ids,
 * statuses, leases, wake-up times and checksums included), so runs carry on where they stood:
 * sleeping runs wake on time, finished ones keep their history. Failed attempts, dead letters,
 * escalations, circuit breakers, undelivered notifications, events with their deliveries and
 * the waits on them, cron schedules (with their next slots and pauses), rate-limit buckets, the
 * lines the runs' code logged and the audit trail (same numbers, hashes and data text, so it verifies the same) move with them.
 * Rows already present at the destination are left alone, so a copy that was interrupted can
 * simply be run again.
 *
 * Refuses while any run in the source holds a live lease: stop the SQLite process first (a
 * SIGTERM hands its runs back).
 */
export async function copySqliteToPostgres(from: SqliteStore, to: PostgresStore, now: number): Promise<CopyReport> {
  const leased = from.countLiveLeases(now);
  if (leased > 0) {
    throw new InvalidArgumentError(
      `${leased} run(s) in ${from.describe()} are held by a live worker; stop the processes using it before copying`,
    );
  }
  await to.migrate();
  await assertSameAuditTrail(from, to);
  const report = Object.fromEntries(COPIED_TABLES.map((table) => [table, 0])) as CopyReport;
  for (const table of COPIED_TABLES) {
    for (const rows of from.exportRows(table, 500)) {
      await to.importRows(table, rows);
      report[table] += rows.length;
    }
  }
  return report;
}

/**
 * The destination's audit trail, if it has one, must be the start of the source's (an
 * interrupted copy): rows are kept where present, so another trail there would fork the chain.
 */
async function assertSameAuditTrail(from: SqliteStore, to: PostgresStore): Promise<void> {
  const head = await to.audit.head();
  if (head === null) return;
  const [entry] = await from.audit.scan(head.seq, 1);
  if (entry?.seq !== head.seq || entry.hash !== head.hash) {
    throw new InvalidArgumentError(
      `${to.describe()} already holds another audit trail (entry ${head.seq} differs); copy into an empty database`,
    );
  }
}
