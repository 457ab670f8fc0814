import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { DIALECTS, Harness, type Dialect } from '../../test/helpers/harness.js';
import { chainEntry, type AuditEntry } from '../core/audit-chain.js';
import { silentLogger } from '../core/logger.js';
import type { Store } from '../store/store.js';
import { AuditHeadWriter, type SignedHeadFile } from './audit-head-writer.js';
import { readSignedHead, verifyAuditTrail } from './audit-verification.js';

const KEY = 'a-test-audit-key-of-32-characters';

/**
 * Runs `statements` the way a DBA with the database would, past the triggers that refuse
 * changes: SQLite drops and re-creates them, PostgreSQL disables them as the superuser.
 */
async function bypassTriggers(h: Harness, statements: string[]): Promise<void> {
  if (h.dialect === 'postgres') {
    await h.sql('ALTER TABLE audit_entries DISABLE TRIGGER USER');
    for (const statement of statements) await h.sql(statement);
    await h.sql('ALTER TABLE audit_entries ENABLE TRIGGER USER');
    return;
  }
  await h.sql('DROP TRIGGER audit_entries_no_update');
  await h.sql('DROP TRIGGER audit_entries_no_delete');
  for (const statement of statements) await h.sql(statement);
  await h.sql(
    `CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries BEGIN SELECT RAISE(ABORT, 'append-only'); END`,
  );
  await h.sql(
    `CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries BEGIN SELECT RAISE(ABORT, 'append-only'); END`,
  );
}

describe.each(DIALECTS)('audit trail verification on %s', (dialect: Dialect) => {
  let h: Harness;
  let store: Store;
  let entries: AuditEntry[];
  let dir: string;
  beforeEach(async () => {
    h = new Harness(dialect);
    dir = mkdtempSync(join(tmpdir(), 'vigil-audit-head-'));
    store = h.store();
    await store.migrate();
    entries = await store.audit.append(
      Array.from({ length: 8 }, (_, i) => ({
        type: i % 2 ? 'step.completed' : 'policy.decided',
        runId: `run-${i % 3}`,
        principal: i === 0 ? 'key:k1' : null,
        data: { i, args: { patientId: `P-${i}` } },
      })),
      h.clock.now(),
    );
  });
  afterEach(async () => {
    await h.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses UPDATE and DELETE of audit rows (and TRUNCATE on PostgreSQL)', async () => {
    await expect(h.sql(`UPDATE audit_entries SET data = '{"i":99}' WHERE seq = 2`)).rejects.toThrow(/append-only/);
    await expect(h.sql('DELETE FROM audit_entries WHERE seq = 8')).rejects.toThrow(/append-only/);
    if (dialect === 'postgres') await expect(h.sql('TRUNCATE audit_entries')).rejects.toThrow(/append-only/);
    expect(await verifyAuditTrail(store)).toEqual({ ok: true, count: 8, lastSeq: 8, head: null });
  });

  it('names an edited entry', async () => {
    await bypassTriggers(h, [`UPDATE audit_entries SET data = '{"args":{"patientId":"P-9"},"i":3}' WHERE seq = 4`]);
    expect(await verifyAuditTrail(store)).toMatchObject({ ok: false, seq: 4, damage: 'edited', count: 3 });
  });

  it('names a deleted entry', async () => {
    await bypassTriggers(h, ['DELETE FROM audit_entries WHERE seq = 5']);
    expect(await verifyAuditTrail(store)).toMatchObject({ ok: false, seq: 5, damage: 'deleted' });
  });

  it('names an inserted entry, chained properly and the later ones renumbered', async () => {
    const forged = chainEntry(entries[2]!, {
      type: 'policy.decided',
      at: h.clock.now(),
      principal: 'key:k1',
      runId: 'run-0',
      data: { args: { patientId: 'P-2' } },
    });
    await bypassTriggers(h, [
      // Two steps, so the primary key never holds two rows with one number.
      'UPDATE audit_entries SET seq = -(seq + 1) WHERE seq >= 4',
      'UPDATE audit_entries SET seq = -seq WHERE seq < 0',
      `INSERT INTO audit_entries (seq, at, type, run_id, principal, data, prev_hash, hash)
       VALUES (4, ${forged.at}, 'policy.decided', 'run-0', 'key:k1', '{"args":{"patientId":"P-2"}}', '${forged.prevHash}', '${forged.hash}')`,
    ]);
    expect(await verifyAuditTrail(store, { batch: 3 })).toMatchObject({ ok: false, seq: 4, damage: 'inserted' });
  });

  it('catches a truncated tail only with the signed head, written atomically by the head writer', async () => {
    const file = join(dir, 'audit-head.json');
    const writer = new AuditHeadWriter({
      store,
      clock: h.clock,
      logger: silentLogger,
      signingKey: KEY,
      file,
      intervalMs: 60_000,
      ready: Promise.resolve(),
    });
    writer.start();
    await h.clock.advance(60_000);
    await h.until(() => {
      try {
        return readFileSync(file, 'utf8').length > 0;
      } catch {
        return false;
      }
    });
    await writer.close();
    const written = JSON.parse(readFileSync(file, 'utf8')) as SignedHeadFile;
    expect(written).toMatchObject({ seq: 8, hash: entries[7]!.hash, at: expect.any(Number) as unknown });
    const head = await readSignedHead(file);
    expect(await verifyAuditTrail(store, { head, signingKey: KEY })).toEqual({
      ok: true,
      count: 8,
      lastSeq: 8,
      head: { seq: 8 },
    });

    await bypassTriggers(h, ['DELETE FROM audit_entries WHERE seq >= 7']);
    // On its own the shorter trail still verifies: that is what the head is for.
    expect(await verifyAuditTrail(store)).toMatchObject({ ok: true, count: 6 });
    expect(await verifyAuditTrail(store, { head, signingKey: KEY })).toMatchObject({
      ok: false,
      seq: 7,
      damage: 'truncated',
      reason: expect.stringMatching(/entries 7–8 are gone/) as unknown,
    });
    expect(await verifyAuditTrail(store, { head, signingKey: 'another-key-of-enough-length' })).toMatchObject({
      ok: false,
      damage: 'bad_head',
    });
    await expect(verifyAuditTrail(store, { head })).rejects.toThrow(/needs the audit key/);
  });
});
