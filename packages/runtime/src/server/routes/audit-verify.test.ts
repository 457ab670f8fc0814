import { existsSync } from 'node:fs';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { Harness } from '../../../test/helpers/harness.js';
import { httpApp } from '../../../test/helpers/http-app.js';
import { Input, scriptedTool } from '../../../test/fixtures/tools.js';
import { defineWorkflow } from '../../core/workflow.js';

let h: Harness;
beforeEach(() => {
  h = new Harness('sqlite');
});
afterEach(() => h.cleanup());

const { tool } = scriptedTool('ehr.read', ['ok', 'ok']);
const wf = defineWorkflow({ name: 'audit.verify', input: Input }, async (ctx, input) => ctx.tool(tool, input));

interface VerifyAnswer {
  ok: boolean;
  entries: number;
  firstBadSeq?: number;
  damage?: string;
  reason?: string;
  lastSeq?: number | null;
  headChecked: boolean;
}

/** Edits a row of the SQLite file as someone with the file would: past the append-only trigger. */
async function editRow(statement: string): Promise<void> {
  await h.sql('DROP TRIGGER audit_entries_no_update');
  await h.sql(statement);
  await h.sql(
    `CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries BEGIN SELECT RAISE(ABORT, 'append-only'); END`,
  );
}

describe('GET /v1/audit/verify', () => {
  it('answers ok with the count for an intact trail, then names the first bad entry once a row of the file is edited', async () => {
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    const request = httpApp(vigil, { role: 'viewer' });
    const a = await vigil.start(wf, { patientId: 'P-1' });
    const b = await vigil.start(wf, { patientId: 'P-2' });
    await h.result(vigil, a.id);
    await h.result(vigil, b.id);
    await vigil.audit.flush();

    const intact = await request<VerifyAnswer>('GET', '/v1/audit/verify');
    expect(intact.status).toBe(200);
    const total = intact.body.entries;
    expect(total).toBeGreaterThanOrEqual(8);
    expect(intact.body).toEqual({ ok: true, entries: total, lastSeq: total, head: null, headChecked: false });

    // The second run's tool call, its patient changed in the file.
    const [row] = (await h.sql(
      `SELECT seq FROM audit_entries WHERE type = 'policy.decided' AND run_id = ? ORDER BY seq LIMIT 1`,
      [b.id],
    )) as Array<{ seq: number }>;
    expect(existsSync(h.path)).toBe(true);
    await editRow(`UPDATE audit_entries SET data = replace(data, 'P-2', 'P-9') WHERE seq = ${row!.seq}`);

    const broken = await request<VerifyAnswer>('GET', '/v1/audit/verify');
    expect(broken.status).toBe(200);
    expect(broken.body).toMatchObject({
      ok: false,
      firstBadSeq: row!.seq,
      damage: 'edited',
      entries: row!.seq - 1,
      headChecked: false,
    });
    expect(broken.body.reason).toContain(String(row!.seq));
  });

  it('checks the signed head this server writes: a trail cut short is not ok', async () => {
    const vigil = h.vigil([wf], {
      worker: { pollMs: 60_000 },
      audit: { signingKey: 'a-test-audit-key-of-32-characters', headInterval: '1h' },
    });
    const run = await vigil.start(wf, { patientId: 'P-1' });
    await h.result(vigil, run.id);
    await vigil.audit.flush();
    // Closing writes the head; a second instance on the same file then serves the API.
    await vigil.close();
    const again = h.vigil([wf], { audit: { signingKey: 'a-test-audit-key-of-32-characters', headInterval: '1h' } });
    const api = httpApp(again);
    const intact = await api<VerifyAnswer>('GET', '/v1/audit/verify');
    expect(intact.body).toMatchObject({ ok: true, headChecked: true });

    const [last] = (await h.sql('SELECT max(seq) AS seq FROM audit_entries')) as Array<{ seq: number }>;
    await h.sql('DROP TRIGGER audit_entries_no_delete');
    await h.sql(`DELETE FROM audit_entries WHERE seq = ${last!.seq}`);
    const cut = await api<VerifyAnswer>('GET', '/v1/audit/verify');
    expect(cut.body).toMatchObject({ ok: false, damage: 'truncated', headChecked: true });
  });
});
