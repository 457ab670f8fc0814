// Smoke test of the peer benchmark: each system's adapter runs a handful of workflows through the
// measuring code, and the system's own records must show every workflow finished with all ten
// steps completed, so an adapter that silently does nothing (or skips steps) fails here.
// Figures are not asserted: performance is measured by `npm run bench:peers`, not by tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';

import { SYSTEMS, type SystemName } from './adapter.js';
import { run, type PeerProcessOptions } from './peer-process.js';
import { expectedFinal, STEPS, stepWork } from './work.js';

const dirs: string[] = [];
const databases: string[] = [];
const serverUrl = inject('postgresUrl');

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh directory and, for the PostgreSQL systems, a fresh database on the test server. */
async function place(system: SystemName): Promise<Pick<PeerProcessOptions, 'dir' | 'databaseUrl'>> {
  const dir = mkdtempSync(join(tmpdir(), `peers-test-${system}-`));
  dirs.push(dir);
  if (system === 'vigil-sqlite' || system === 'langgraph') return { dir, databaseUrl: '' };
  const database = `peers_test_${system.replace('-', '_')}_${process.pid}`;
  await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${database}`);
  databases.push(database);
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return { dir, databaseUrl: url.toString() };
}

afterAll(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  for (const database of databases) await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
});

describe('the ten-step work', () => {
  it('chains each step on the previous value, so only a complete run ends with the expected digest', () => {
    let value = '';
    for (let step = 1; step <= STEPS - 1; step++) value = stepWork(7, step, value);
    expect(value).not.toBe(expectedFinal(7));
    expect(stepWork(7, STEPS, value)).toBe(expectedFinal(7));
  });
});

describe.each(SYSTEMS)('peer adapter %s', (system) => {
  it('runs every workflow with all ten steps, as its own records show', async () => {
    const sizes = { concurrency: 4, warmupRuns: 2, sequentialRuns: 3, throughputRuns: 8, workWorkflows: 100 };
    const result = await run({ system, ...(await place(system)), ...sizes });
    const workflows = 2 * sizes.warmupRuns + sizes.sequentialRuns + sizes.throughputRuns;
    expect(result.workflowsRun).toBe(workflows);
    expect(result.wrongResults).toBe(0);
    expect(result.recorded).toEqual({ workflows, steps: workflows * STEPS });
    expect(result.workflowsPerSec).toBeGreaterThan(0);
  });
});
