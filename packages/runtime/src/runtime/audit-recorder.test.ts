import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, type Dialect } from '../../test/helpers/harness.js';
import { Cover, Input } from '../../test/fixtures/tools.js';
import { verifyChain } from '../core/audit-chain.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { defineTool } from '../core/tool.js';
import { defineWorkflow } from '../core/workflow.js';
import { REDACTED, redactionRules } from '../governance/audit-redaction.js';
import type { SignedHeadFile } from './audit-head-writer.js';
import { AuditRecorder } from './audit-recorder.js';
import { readSignedHead } from './audit-verification.js';
import { RuntimeEvents } from './events.js';

function recordingLogger(lines: Array<{ message: string; fields: Record<string, unknown> }>): Logger {
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (message, fields = {}) => lines.push({ message, fields }),
    error: (message, fields = {}) => lines.push({ message, fields }),
    child: () => logger,
  };
  return logger;
}

describe.each(DIALECTS)('the audit recorder on %s', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(() => h.cleanup());

  const ehrRead = defineTool({
    name: 'ehr.read',
    input: Input.extend({ email: z.string() }),
    output: Cover,
    run: () => ({ eligible: true }),
  });
  const discharge = defineWorkflow({ name: 'audit.discharge', input: Input }, async (ctx, input) => {
    await ctx.step('prepare', () => ({ ready: true }));
    return ctx.tool(ehrRead, { patientId: input.patientId, email: `${input.patientId}@example.org` });
  });
  const napping = defineWorkflow({ name: 'audit.nap', input: z.object({}) }, async (ctx) => {
    await ctx.sleep('nap', '1h');
  });

  it('records a trigger with its principal, step and run outcomes, a tool call and a cancel, in one chain', async () => {
    const vigil = h.vigil([discharge, napping], { worker: { pollMs: 60_000 } });
    const done = await vigil.start(discharge, { patientId: 'P-1' }, { principal: 'key:k1' });
    expect(await h.result(vigil, done.id)).toEqual({ eligible: true });
    const asleep = await vigil.start(napping, {}, { principal: 'schedule:nightly' });
    await h.until(async () => (await vigil.getRun(asleep.id))?.status === 'sleeping');
    await vigil.cancel(asleep.id);
    await vigil.audit.flush();

    // The tool call is recorded by the policy's decision on it, with its arguments as the tool
    // got them (the e-mail address redacted). The first step's outcome rides along with the
    // call's first write (steps commit lazily): its entry is made when the step ends and commits
    // in that write (SQLite chains it there, PostgreSQL stages it there and chains it at the
    // next append), so it comes before the decision recorded after it.
    const { entries: trail } = await vigil.audit.list({ runId: done.id });
    expect(trail.map((e) => [e.type, e.principal])).toEqual([
      ['run.created', 'key:k1'],
      ['step.completed', null],
      ['policy.decided', 'key:k1'],
      ['step.completed', null],
      ['run.completed', null],
    ]);
    expect(trail[0]!.data).toEqual({ workflow: 'audit.discharge', version: 1, idempotencyKey: null });
    expect([trail[1]!.data, trail[3]!.data]).toMatchObject([
      { seq: 1, name: 'prepare', status: 'completed' },
      { seq: 2, name: 'ehr.read', status: 'completed' },
    ]);
    expect(trail[2]!.data).toMatchObject({
      tool: 'ehr.read',
      decision: 'allowed',
      args: { patientId: 'P-1', email: REDACTED },
    });

    const cancelled = (await vigil.audit.list({ runId: asleep.id })).entries;
    expect(cancelled[0]).toMatchObject({ type: 'run.created', principal: 'schedule:nightly' });
    expect(cancelled.at(-1)).toMatchObject({ type: 'run.cancelled', runId: asleep.id });

    const everything = await vigil.audit.list({ limit: 1000 });
    expect(await vigil.audit.verify()).toEqual({
      ok: true,
      count: everything.entries.length,
      lastSeq: everything.entries.at(-1)!.seq,
      head: null,
    });
    expect((await vigil.audit.list({ type: 'run.cancelled' })).entries).toHaveLength(1);
  });

  it("commits a run's run.created entry with the run, before any flush, and records it once", async () => {
    const vigil = h.vigil([discharge]);
    const { id } = await vigil.start(discharge, { patientId: 'P-1' }, { principal: 'key:k1' });
    // The clock has not moved: no flush has run. SQLite chained the entry with the run;
    // PostgreSQL staged it there, for the next append.
    const table = dialect === 'sqlite' ? 'audit_entries' : 'audit_staged';
    expect(await h.sql(`SELECT type, principal FROM ${table} WHERE run_id = $1`, [id])).toEqual([
      { type: 'run.created', principal: 'key:k1' },
    ]);
    await vigil.audit.flush();
    const { entries } = await vigil.audit.list({ runId: id });
    expect(entries.map((e) => [e.type, e.data])).toEqual([
      ['run.created', { workflow: 'audit.discharge', version: 1, idempotencyKey: null }],
    ]);
    expect(await h.sql('SELECT count(*) AS n FROM audit_staged WHERE run_id = $1', [id]).catch(() => [])).toEqual(
      dialect === 'sqlite' ? [] : [{ n: '0' }],
    );
  });

  it('keeps one unbroken chain while two workers record at once', async () => {
    const workers = [0, 1].map(() => h.vigil([discharge], { worker: { pollMs: 50 } }));
    const ids = await Promise.all(
      Array.from({ length: 12 }, (_, i) => workers[i % 2]!.start(discharge, { patientId: `P-${i}` })),
    );
    for (const { id } of ids) await h.result(workers[0]!, id);
    await Promise.all(workers.map((w) => w.audit.flush()));
    const report = await workers[1]!.audit.verify();
    // Per run: created, two steps, the tool call's policy decision, completed.
    expect(report).toMatchObject({ ok: true, count: 12 * 5 });
  });

  it('appends in batches, and retries a failed append without losing or reordering entries', async () => {
    const lines: Array<{ message: string; fields: Record<string, unknown> }> = [];
    const vigil = h.vigil([discharge], { logger: recordingLogger(lines), audit: { maxBatch: 3 } });
    await vigil.ready();
    await h.sql(
      dialect === 'sqlite'
        ? `CREATE TRIGGER audit_down BEFORE INSERT ON audit_entries BEGIN SELECT RAISE(ABORT, 'audit store down'); END`
        : `CREATE TRIGGER audit_down BEFORE INSERT ON audit_entries FOR EACH ROW EXECUTE FUNCTION audit_entries_refuse()`,
    );
    // Operator actions: recorded from their events, appended by the recorder. (A run's creation
    // commits its entry with the run, so with the trail refusing entries no run could start on
    // SQLite, and on PostgreSQL its entry would wait staged, outside the recorder's queue.)
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await vigil.keys.create({ role: 'viewer', name: `viewer ${i}` })).id);
    await expect(vigil.audit.flush()).rejects.toThrow();
    await h.until(() => lines.some((l) => l.message === 'could not append to the audit trail; retrying'));
    // The first full batch of three was tried in the background, without waiting for the interval.
    expect(lines.find((l) => l.message.startsWith('could not append'))!.fields['pending']).toBeGreaterThanOrEqual(3);

    await h.sql(dialect === 'sqlite' ? 'DROP TRIGGER audit_down' : 'DROP TRIGGER audit_down ON audit_entries');
    await h.until(async () => (await vigil.audit.list()).entries.length === 5, { stepMs: 1000 });
    expect((await vigil.audit.list()).entries.map((e) => (e.data as { keyId: string }).keyId)).toEqual(ids);
    expect(await vigil.audit.verify()).toMatchObject({ ok: true, count: 5 });
  });

  it('writes the signed head on close when it has a key, and records nothing with audit: false', async () => {
    const headFile = join(h.dir, 'head', 'audit-head.json');
    const signingKey = 'a-test-audit-key-of-32-characters';
    const vigil = h.vigil([discharge], { worker: { pollMs: 60_000 }, audit: { signingKey, headFile } });
    expect(vigil.audit.headFile).toBe(headFile);
    const { id } = await vigil.start(discharge, { patientId: 'P-1' });
    await h.result(vigil, id);
    await vigil.close();
    const written = JSON.parse(readFileSync(headFile, 'utf8')) as SignedHeadFile;
    expect(written).toMatchObject({ seq: 5, at: h.clock.now() });

    const silent = h.vigil([discharge], { worker: { pollMs: 60_000 }, audit: false });
    expect(silent.audit).toMatchObject({ recording: false, headFile: null });
    await h.result(silent, (await silent.start(discharge, { patientId: 'P-2' })).id);
    await silent.audit.flush();
    expect(await silent.audit.verify({ head: await readSignedHead(headFile), signingKey })).toEqual({
      ok: true,
      count: 5,
      lastSeq: 5,
      head: { seq: 5 },
    });
  });

  it('refuses a signing key too short to be one', () => {
    expect(() => h.vigil([discharge], { audit: { signingKey: 'short' } })).toThrow(/at least 16 characters/);
  });
});

describe('the audit recorder’s entries', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness('sqlite');
  });
  afterEach(() => h.cleanup());

  /** A recorder on a migrated SQLite store of its own, with its events, flush settings and rules. */
  async function openRecorder(settings: { flushMs: number; maxBatch: number; redact?: string[] }) {
    const store = h.store();
    await store.migrate();
    const events = new RuntimeEvents();
    const recorder = new AuditRecorder({
      store,
      events,
      clock: h.clock,
      logger: silentLogger,
      rules: redactionRules({ redact: settings.redact ?? [] }),
      ready: Promise.resolve(),
      flushMs: settings.flushMs,
      maxBatch: settings.maxBatch,
    });
    return { store, events, recorder };
  }

  it('sends what is recorded during an append together after the interval, not in appends of its own', async () => {
    const { store, events, recorder } = await openRecorder({ flushMs: 20, maxBatch: 100 });
    const batches: number[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const append = store.audit.append.bind(store.audit);
    store.audit.append = async (drafts, now) => {
      batches.push(drafts.length);
      if (batches.length === 1) await held;
      return append(drafts, now);
    };
    const created = (n: number): void =>
      events.emit('run.created', { runId: `run-${n}`, workflow: 'w', version: 1, idempotencyKey: null });
    created(0);
    await h.clock.advance(20);
    expect(batches).toEqual([1]);
    // Recorded while the first append is in flight.
    for (let n = 1; n <= 5; n++) created(n);
    release();
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([1]);
    expect(recorder.pending).toBe(5);
    await h.clock.advance(20);
    await recorder.flush();
    expect(batches).toEqual([1, 5]);
    expect(recorder.pending).toBe(0);
    const entries = await store.audit.scan(1, 10);
    expect(entries.map((e) => e.runId)).toEqual(['run-0', 'run-1', 'run-2', 'run-3', 'run-4', 'run-5']);
    expect(verifyChain(entries)).toMatchObject({ ok: true, count: 6 });
    await recorder.close();
  });

  it('are stored and hashed as by the recorder before drafts carried their canonical text', async () => {
    const { store, events, recorder } = await openRecorder({ flushMs: 1000, maxBatch: 100, redact: ['notes'] });
    const runId = 'run-1';
    const step = { runId, workflow: 'discharge', seq: 1, name: 'fetch "record" ☃', kind: 'tool' as const, attempt: 2 };
    const error = { name: 'Error', message: 'EHR down', code: 'ehr_down', retryable: true, stack: 'Error: at x' };
    events.emit('run.created', { runId, workflow: 'discharge', version: 1, idempotencyKey: null, principal: 'key:k1' });
    events.emit('policy.decided', {
      runId,
      seq: 1,
      step: 'fetch',
      tool: 'ehr.read',
      decision: 'allowed',
      rule: null,
      reason: null,
      args: { patientId: 'P-1', email: 'a@b.c', notes: 'private' },
      principal: 'key:k1',
    });
    events.emit('step.completed', { ...step, tool: 'ehr.read', status: 'completed', durationMs: 12 });
    events.emit('step.failed', { ...step, seq: 2, error, durationMs: 3 });
    const spend = { runId, workflow: 'discharge', seq: 3, step: 'summary', kind: 'llm' as const, target: 'gpt' };
    events.emit('spend.recorded', { ...spend, usd: 0.0125, latencyMs: NaN, reasoning: 'notes: ok' });
    events.emit('spend.recorded', { ...spend, usd: 0.5, tokens: { input: 10, output: 5, cached: 0, reasoning: 0 } });
    events.emit('budget.changed', { scope: 'run', key: runId, usd: null, principal: 'key:k2' });
    events.emit('run.completed', {
      runId,
      workflow: 'discharge',
      status: 'completed',
      summary: null,
      durationMs: 1500,
    });
    await recorder.close();

    // Flat details take one walk (run.created, step.completed, the first spend, budget.changed,
    // run.completed); nested ones the long way. The hashes are those the recorder wrote before.
    const entries = await store.audit.scan(1, 100);
    expect(entries.map((e) => e.hash)).toEqual([
      'fidHYNIN8R6lXrtoaPlWvTpcSMUmQ2I2LdieaBOLYPw',
      '2LuRNcIp2DOSLic5AKO9oI7_GYkfzOdv_8LA5nWEmT0',
      'dEeol5R1G-GWy8t0QEaPMelDH2RPL0RFrKvoE2dZwTg',
      'NTPLN27tMFAsiwrKn9DVJ5WMzo4AajwW3_ZJX1B4yU8',
      'URgchmJKLvFKCIcie_TZZYcsgSrNcKoM2AfbEfMATQ0',
      'hGU_teDjV8v3M2lWf5Z0jCXyselCtIG1vWcK-Dm9W4o',
      '6RMfxheCu6oHI532ZbJ0qNeGEw9yZeUjPVECTwf8jDs',
      '_Q3jBaajHPM9vJRjxUWAGq-FXNo7ZfpNYCc8MSIqzLA',
    ]);
    // The failed step's error without its stack trace.
    expect(entries[3]!.data).toMatchObject({ seq: 2, error: { code: 'ehr_down', message: 'EHR down' } });
    expect(entries[3]!.data).not.toHaveProperty('error.stack');
    expect(entries[4]!.data).toMatchObject({ latencyMs: null, reasoning: 'notes: ok' });
    expect(verifyChain(entries)).toMatchObject({ ok: true, count: 8 });
  });

  // Each entry past `maxBatch` used to chain a flush of its own: in a burst of run starts, the
  // promises of hundreds of flushes with nothing left to append outlived the young generation.
  it('queues one background flush for the entries past a full batch, and appends them all in order', async () => {
    const { store, events, recorder } = await openRecorder({ flushMs: 60_000, maxBatch: 100 });
    const flush = vi.spyOn(recorder, 'flush');
    const runIds = Array.from({ length: 1000 }, (_, i) => `run-${i}`);
    for (const runId of runIds) {
      events.emit('run.created', { runId, workflow: 'w', version: 1, idempotencyKey: null, principal: 'code' });
    }
    expect(flush).toHaveBeenCalledTimes(1);
    await h.until(() => recorder.pending === 0);
    expect((await store.audit.scan(1, 2000)).map((entry) => entry.runId)).toEqual(runIds);
    await recorder.close();
  });
});
