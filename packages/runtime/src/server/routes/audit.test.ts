import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { Harness } from '../../../test/helpers/harness.js';
import { httpApp } from '../../../test/helpers/http-app.js';
import { Input, scriptedTool } from '../../../test/fixtures/tools.js';
import type { AuditEntry } from '../../core/audit-chain.js';
import { defineWorkflow } from '../../core/workflow.js';
import type { AuditPage } from '../../runtime/audit-client.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => h.cleanup());

const { tool } = scriptedTool('ehr.read', ['ok']);
const wf = defineWorkflow({ name: 'audit.http', input: Input }, async (ctx, input) => ctx.tool(tool, input));

describe('GET /v1/audit', () => {
  it('lists entries by run, principal and type, oldest first, a page at a time', async () => {
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    const request = httpApp(vigil);
    // The first request makes the admin key the requests use: the trail's first entry.
    await request('GET', '/v1/audit');
    await vigil.audit.flush();
    const triggeredAt = h.clock.now();
    const a = await vigil.start(wf, { patientId: 'P-1' }, { principal: 'key:alice' });
    const b = await vigil.start(wf, { patientId: 'P-2' }, { principal: 'key:bob' });
    await h.result(vigil, a.id);
    await h.result(vigil, b.id);
    await vigil.audit.flush();

    const all = await request<AuditPage>('GET', '/v1/audit');
    expect(all.status).toBe(200);
    // The key, then per run: its trigger, its tool call's policy decision, its step, its end.
    expect(all.body.entries).toHaveLength(9);
    expect(all.body.entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(all.body.next).toBeNull();
    expect(all.body.entries[0]).toMatchObject({ type: 'key.created', principal: 'code' });
    expect(all.body.entries[1]).toMatchObject({
      seq: 2,
      type: 'run.created',
      runId: a.id,
      principal: 'key:alice',
      prevHash: expect.any(String) as unknown,
      hash: expect.any(String) as unknown,
      // When it happened, not when its batch was appended.
      at: triggeredAt,
    });

    const ofRun = await request<AuditPage>('GET', `/v1/audit?run=${b.id}`);
    expect(ofRun.body.entries.map((e) => e.type)).toEqual([
      'run.created',
      'policy.decided',
      'step.completed',
      'run.completed',
    ]);
    const byBob = await request<AuditPage>('GET', '/v1/audit?principal=key:bob&type=run.created');
    expect(byBob.body.entries.map((e: AuditEntry) => e.runId)).toEqual([b.id]);

    const first = await request<AuditPage>('GET', '/v1/audit?type=step.completed&limit=1');
    expect(first.body).toMatchObject({ entries: [{ runId: a.id }], next: first.body.entries[0]!.seq });
    const second = await request<AuditPage>('GET', `/v1/audit?type=step.completed&limit=1&after=${first.body.next}`);
    expect(second.body.entries.map((e) => e.runId)).toEqual([b.id]);
  });

  it('answers 400 naming the parameter for a bad limit, cursor or an unknown parameter', async () => {
    const vigil = h.vigil([wf]);
    await vigil.ready();
    const request = httpApp(vigil);
    for (const [query, path] of [
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['limit=ten', 'limit'],
      ['after=-1', 'after'],
      ['runId=x', ''],
    ] as const) {
      const res = await request('GET', `/v1/audit?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_request' });
      if (path) expect(res.body.error!.path).toBe(path);
    }
  });
});
