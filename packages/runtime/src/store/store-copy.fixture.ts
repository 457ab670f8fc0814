import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pg from 'pg';
import { inject } from 'vitest';

/** What `copySqliteToPostgres` reports when a table had no rows to copy: every table, at 0. */
export const NOTHING_COPIED = {
  runs: 0,
  steps: 0,
  step_attempts: 0,
  dead_letters: 0,
  escalations: 0,
  breakers: 0,
  outbox: 0,
  events: 0,
  event_deliveries: 0,
  event_waits: 0,
  schedules: 0,
  flow_timers: 0,
  api_keys: 0,
  spend_ledger: 0,
  spend_counters: 0,
  budget_limits: 0,
  rate_limits: 0,
  memory: 0,
  step_logs: 0,
  audit_entries: 0,
};

/**
 * Where a copy test works: a fresh directory for the SQLite file and a fresh schema on the test
 * PostgreSQL server, both removed by the cleanup it pushes onto `cleanups`.
 */
export async function copyPlace(
  cleanups: Array<() => Promise<void>>,
): Promise<{ url: string; dir: string; schema: string }> {
  const url = inject('postgresUrl');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-copy-'));
  const schema = `copy_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  cleanups.push(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  });
  return { url, dir, schema };
}
