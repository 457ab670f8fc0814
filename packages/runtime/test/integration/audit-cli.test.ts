/**
 * The audit trail from the outside: `vigil dev` records a run and keeps a signed head with a key
 * it generated; `vigil audit verify` passes on the untouched database and fails, naming the
 * entry, after it is truncated or edited; `vigil audit export` writes JSON lines.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { verifyChain, type AuditEntry } from '../../src/core/audit-chain.js';
import type { SignedHeadFile } from '../../src/runtime/audit-head-writer.js';
import { DEV_KEY_LINE, FIXTURES, VigilProcess, eventually, runCli } from '../helpers/processes.js';

let dir: string;
let db: string;
let runId: string;

const audit = (...args: string[]) => runCli(['audit', ...args, '--db', db], { cwd: dir });

/** Runs SQL on the file the way someone with the file could: past the triggers, then puts them back. */
function tamper(sql: (db: BetterSqlite3.Database) => void): void {
  const conn = new BetterSqlite3(db);
  const triggers = conn
    .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_entries'`)
    .all() as Array<{ name: string; sql: string }>;
  for (const t of triggers) conn.exec(`DROP TRIGGER ${t.name}`);
  sql(conn);
  for (const t of triggers) conn.exec(t.sql);
  conn.close();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-audit-'));
  db = join(dir, 'vigil.db');
  const dev = new VigilProcess(['dev', '--port', '0', '--db', db, '--load', FIXTURES], {
    cwd: dir,
    env: { VIGIL_AUDIT_KEY: '', VIGIL_AUDIT_HEAD_FILE: '' },
  });
  try {
    const url = (await dev.waitFor(/API\s+(http:\/\/127\.0\.0\.1:\d+)/))[1]!;
    const authorization = `Bearer ${(await dev.waitFor(DEV_KEY_LINE))[1]!}`;
    expect(dev.stderr).toContain('audit trail recording; signed head written periodically');
    const res = await fetch(`${url}/v1/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ workflow: 'test.chain', input: { steps: 3, stepMs: 0, ledger: join(dir, 'ledger') } }),
    });
    runId = ((await res.json()) as { id: string }).id;
    await eventually(async () => {
      const run = (await (await fetch(`${url}/v1/runs/${runId}`, { headers: { authorization } })).json()) as {
        status: string;
      };
      return run.status === 'completed' ? true : undefined;
    });
  } finally {
    // A graceful stop appends the last entries and writes the head that covers them.
    await dev.kill('SIGTERM');
  }
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vigil audit', { timeout: 60_000 }, () => {
  it('vigil dev generated a private audit key and wrote a signed head on stop', () => {
    expect(statSync(join(dir, 'audit-key')).mode & 0o777).toBe(0o600);
    const head = JSON.parse(readFileSync(join(dir, 'audit-head.json'), 'utf8')) as SignedHeadFile;
    // vigil dev's key, then the run: created, three steps, completed.
    expect(head).toMatchObject({ seq: 6, signature: expect.any(String) as unknown });
  });

  it('exports JSON lines that chain, all of them or by run and type', async () => {
    const all = await audit('export');
    expect(all.code).toBe(0);
    const entries = all.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditEntry);
    expect(entries.map((e) => e.type)).toEqual([
      'key.created',
      'run.created',
      'step.completed',
      'step.completed',
      'step.completed',
      'run.completed',
    ]);
    expect(verifyChain(entries)).toMatchObject({ ok: true, count: 6 });

    const out = join(dir, 'created.jsonl');
    expect((await audit('export', '--run', runId, '--type', 'run.created', '--out', out)).code).toBe(0);
    expect(
      readFileSync(out, 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as AuditEntry).seq),
    ).toEqual([2]);
  });

  it('passes on the untouched trail, fails naming the first missing entry when cut short, and the edited one', async () => {
    const ok = await audit('verify');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^Audit trail OK: 6 entries, last entry 6; signed head at entry 6 verified/);
    expect(JSON.parse((await audit('verify', '-o', 'json')).stdout)).toMatchObject({ ok: true, count: 6 });

    let removed: Record<string, unknown> = {};
    tamper((conn) => {
      removed = conn.prepare('SELECT * FROM audit_entries WHERE seq = 6').get() as Record<string, unknown>;
      conn.exec('DELETE FROM audit_entries WHERE seq = 6');
    });
    const truncated = await audit('verify', '-o', 'json');
    expect(truncated.code).toBe(1);
    expect(JSON.parse(truncated.stdout)).toMatchObject({ ok: false, seq: 6, damage: 'truncated' });
    // A head named on the command line that cannot be read is an error, never a pass.
    const unreadable = await runCli(
      ['audit', 'verify', '--db', db, '--key-file', join(dir, 'audit-key'), '--head', join(dir, 'none.json')],
      { cwd: dir },
    );
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toMatch(/audit_head_invalid/);

    tamper((conn) => {
      conn
        .prepare('INSERT INTO audit_entries VALUES (@seq, @at, @type, @run_id, @principal, @data, @prev_hash, @hash)')
        .run(removed);
      conn.exec(`UPDATE audit_entries SET data = replace(data, 'step-2', 'step-9') WHERE seq = 4`);
    });
    const edited = await audit('verify');
    expect(edited.code).toBe(1);
    expect(edited.stdout).toMatch(/^Audit trail BROKEN at entry 4 \(edited\): entry 4 was changed/);
  });
});
