import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createVigil, isTerminalStatus, type RunDetails, type Vigil } from 'vigil';
import { FakeClock } from 'vigil/testing';
import { afterEach, beforeEach, expect, it } from 'vitest';

import { dischargeWorkflow } from './discharge.js';
import { createHospitalSystems, type HospitalSystems } from './systems.js';
import { DISCHARGE_POLICIES, dischargeTools, type DischargeStep, type ToolPolicy } from './tools.js';

type Output = Awaited<ReturnType<ReturnType<typeof dischargeWorkflow>['run']>>;

/** The brief's policies with jitter off, so each backoff is exactly 1 s, 2 s, 4 s… */
const NO_JITTER = Object.fromEntries(
  Object.keys(DISCHARGE_POLICIES).map((step) => [step, { retry: { jitter: 'none' } }]),
) as Record<DischargeStep, ToolPolicy>;

let dir: string;
const opened: Vigil[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-discharge-'));
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((vigil) => vigil.close({ graceMs: 0 })));
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A Vigil on SQLite in a temp dir, and simulated systems with the fault variables `env`, all on
 * one FakeClock: a 10 s timeout or a 30 s cooldown takes no real time. The systems answer at once.
 */
function hospital(env: Record<string, string> = {}) {
  const clock = new FakeClock();
  const faults: Record<string, string> = { DISCHARGE_LATENCY_MS: '0', ...env };
  const systems: HospitalSystems = createHospitalSystems({ env: faults, clock });
  const workflow = dischargeWorkflow(dischargeTools(systems, NO_JITTER));
  const vigil = createVigil({
    database: join(dir, 'vigil.db'),
    clock,
    workflows: [workflow],
    worker: { pollMs: 60_000 },
  });
  opened.push(vigil);
  const run = async (id: string): Promise<RunDetails> => (await vigil.getRun(id))!;
  /** Moves the clock in 100 ms slices until `check` holds. */
  const until = async (check: () => Promise<boolean>, maxMs = 120_000): Promise<void> => {
    for (let waited = 0; waited <= maxMs; waited += 100) {
      if (await check()) return;
      await clock.advance(100);
    }
    throw new Error(`condition not met within ${maxMs} ms of fake time`);
  };
  const finish = async (id: string): Promise<Output> => {
    await until(async () => isTerminalStatus((await run(id)).status));
    return vigil.result<Output>(id);
  };
  const discharge = async (patientId: string): Promise<{ id: string; output: Output }> => {
    const { id } = await vigil.start(workflow, { patientId });
    return { id, output: await finish(id) };
  };
  return { clock, faults, systems, workflow, vigil, run, until, finish, discharge };
}

const step = (run: RunDetails, name: string) => run.steps.find((s) => s.name === name)!;
const attempts = (run: RunDetails, name: string) =>
  step(run, name).failedAttempts.map((a) => [a.attempt, a.outcome, a.error?.message, a.delayMs]);

it('discharges a patient through the six declared steps when every system answers', async () => {
  const { vigil, workflow, systems, run, discharge } = hospital();
  const { id, output } = await discharge('P-1001');
  expect(output).toMatchObject({
    patientId: 'P-1001',
    eligible: true,
    pharmacy: { status: 'placed', orderId: expect.stringMatching(/^RX-\d+$/) as unknown },
    followUp: { status: 'booked', appointmentId: expect.stringMatching(/^APT-\d+$/) as unknown },
    summary: { writtenBy: 'summary-service' },
  });
  const details = await run(id);
  expect(details.status).toBe('completed');
  expect(details.steps.filter((s) => s.kind === 'tool').map((s) => [s.name, s.status])).toEqual(
    workflow.steps!.map((name) => [name, 'completed']),
  );
  expect(details.progress.summary).toBe('Discharge completed: 6/6 steps complete.');
  // Under its budget every call is reserved then settled: the eligibility check, the summary and the SMS cost.
  expect(details.steps.filter((s) => s.kind === 'tool').map((s) => s.costUsd)).toEqual([0, 0.005, 0, 0, 0.02, 0.0079]);
  expect(details.costUsd).toBeCloseTo(0.0329, 9);
  expect(systems.notifier.delivered).toEqual([{ channel: 'sms', to: '+1-555-0100', messageId: output.notified }]);
  await expect(vigil.start(workflow, { patientId: '1001' })).rejects.toThrow(
    /input\.patientId: patientId looks like P-1001/,
  );
});

it('with the demo faults, retries the insurer, hands the pharmacy and the follow-up to people, and falls back to the template', async () => {
  const { vigil, workflow, run, until, finish } = hospital({ DISCHARGE_FAULTS: 'demo' });
  const { id } = await vigil.start(workflow, { patientId: 'P-2002' });

  // While the summary service is retried, clinicians see what the brief shows them.
  await until(async () => step(await run(id), 'summary')?.status === 'retrying');
  const inProgress = (await run(id)).progress.summary;
  expect(inProgress).toMatch(/^Discharge in progress: 2\/6 steps complete\. /);
  expect(inProgress).toContain('Pharmacy coordination pending pharmacist review.');
  expect(inProgress).toContain('Discharge summary retrying after 1 failed attempt.');

  const output = await finish(id);
  const details = await run(id);
  expect(details.status).toBe('completed_partial');
  expect(details.summary).toBe(
    'Discharge 50% complete; pharmacy awaiting pharmacist review; appointments awaiting scheduler review; summary used its fallback',
  );
  expect(details.steps.filter((s) => s.kind === 'tool').map((s) => [s.name, s.status, s.attempts])).toEqual([
    ['record', 'completed', 1],
    ['insurance', 'completed', 3],
    ['pharmacy', 'escalated', 2],
    ['appointments', 'escalated', 1],
    ['summary', 'degraded', 2],
    ['notify', 'completed', 1],
  ]);
  // Insurance: two 502s, each followed by a durable backoff (1 s, then 2 s); attempt 3 answers.
  const badGateway = 'Insurer gateway answered 502 Bad Gateway';
  expect(attempts(details, 'insurance')).toEqual([
    [1, 'failed', badGateway, 1000],
    [2, 'failed', badGateway, 2000],
  ]);
  // Pharmacy: each attempt abandoned at 10 s, one retry, then a pharmacist takes over.
  const timedOut = 'Tool call "pharmacy" timed out after 10000 ms';
  expect(attempts(details, 'pharmacy')).toEqual([
    [1, 'timed_out', timedOut, 2000],
    [2, 'timed_out', timedOut, null],
  ]);
  for (const a of step(details, 'pharmacy').failedAttempts) {
    expect(Date.parse(a.endedAt) - Date.parse(a.startedAt)).toBe(10_000);
  }
  expect(attempts(details, 'summary').map(([, outcome, message]) => [outcome, message])).toEqual([
    ['failed', 'Summary service answered 503 Service Unavailable'],
    ['failed', 'Summary service answered 503 Service Unavailable'],
  ]);
  // Neither escalation held the discharge: both are still open now that it has finished.
  expect([...details.escalations].sort((a, b) => a.seq - b.seq)).toMatchObject([
    { step: 'pharmacy', kind: 'exhausted', assignee: 'pharmacist', blocking: false, status: 'open' },
    { step: 'appointments', kind: 'exhausted', assignee: 'scheduler', blocking: false, status: 'open' },
  ]);
  expect(details.escalated).toBe(true);
  expect(output).toMatchObject({
    eligible: true,
    pharmacy: { orderId: null, status: 'pending-pharmacist-review' },
    followUp: { appointmentId: null, status: 'pending-scheduler-booking' },
    summary: { writtenBy: 'template' },
  });
  expect(output.summary.text).toContain('metoprolol 25 mg, aspirin 81 mg (pending pharmacist review)');
  // `vigil runs show` prints this line; the runtime counts escalated and degraded steps as done.
  expect(details.progress.summary).toMatch(/^Discharge partially completed: \d\/6 steps complete\. /);
  expect(details.progress.summary).toContain('Pharmacy coordination pending pharmacist review.');
  expect(details.progress.summary).toContain('Follow-up scheduling pending scheduler review.');
});

it('opens the appointment breaker after 3 failing runs, fails the 4th fast, and closes it when the book is back', async () => {
  const { vigil, faults, systems, run, clock, discharge } = hospital({ DISCHARGE_APPOINTMENTS_DOWN: '1' });
  const runs: string[] = [];
  for (let i = 1; i <= 4; i++) {
    const { id, output } = await discharge(`P-300${i}`);
    runs.push(id);
    expect(output.followUp.status).toBe('pending-scheduler-booking');
    expect((await run(id)).status).toBe('completed_partial');
    if (i === 3) {
      expect(await vigil.breakers.list()).toMatchObject([
        { key: 'appointments.book', tool: 'appointments.book', status: 'open', consecutiveFailures: 3 },
      ]);
    }
  }
  // Three runs reached the appointment book; the 4th was turned away by the open breaker.
  expect(systems.requests.appointments).toBe(3);
  const fourth = await run(runs[3]!);
  expect(step(fourth, 'appointments').failedAttempts).toMatchObject([
    { outcome: 'rejected', error: { code: 'circuit_open' } },
  ]);
  expect(fourth.escalations).toMatchObject([{ step: 'appointments', assignee: 'scheduler', blocking: false }]);

  // The book comes back (read at the next call); after the 30 s cooldown one probe goes through.
  faults['DISCHARGE_APPOINTMENTS_DOWN'] = '0';
  await clock.advance(30_000);
  const { id, output } = await discharge('P-3005');
  expect(output.followUp.status).toBe('booked');
  expect((await run(id)).status).toBe('completed');
  expect(systems.requests.appointments).toBe(4);
  expect(await vigil.breakers.list()).toMatchObject([{ key: 'appointments.book', status: 'closed' }]);
});

it('holds the discharge for billing when the insurer keeps failing, and finishes with the value billing provides', async () => {
  const { vigil, workflow, systems, run, until, finish } = hospital({ DISCHARGE_INSURANCE_FAILURES: '1000' });
  const { id } = await vigil.start(workflow, { patientId: 'P-4004' });
  await until(async () => (await run(id)).status === 'waiting');

  const waiting = await run(id);
  expect(waiting.progress.summary).toBe(
    'Discharge in progress: 1/6 steps complete. Insurance verification pending billing review.',
  );
  expect(attempts(waiting, 'insurance').map(([attempt, , , delayMs]) => [attempt, delayMs])).toEqual([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [4, 8000],
    [5, null],
  ]);
  const [escalation] = (await vigil.escalations.list({ runId: id })).escalations;
  expect(escalation).toMatchObject({
    step: 'insurance',
    kind: 'exhausted',
    assignee: 'billing',
    blocking: true,
    context: { failingStep: { name: 'insurance', attempts: 5 } },
  });
  expect(systems.requests.insurer).toBe(5);
  expect(systems.requests.pharmacy).toBe(0);

  await vigil.escalations.resolve(escalation!.id, {
    decision: 'provide',
    value: { eligible: true, plan: 'Bronze', copayUsd: 40 },
    principal: 'billing-desk',
    note: 'confirmed by phone with the insurer',
  });
  const output = await finish(id);
  expect(output).toMatchObject({ eligible: true, pharmacy: { status: 'placed' }, followUp: { status: 'booked' } });
  expect(output.summary.text).toContain('Bronze plan (copay $40)');
  const details = await run(id);
  expect(details.status).toBe('completed');
  expect(details.escalations).toMatchObject([{ status: 'resolved', decision: 'provide', resolvedBy: 'billing-desk' }]);
  expect(systems.requests.insurer).toBe(5);
});

it('reads only its own patient: a read of another record is denied before the EHR, recorded and escalated', async () => {
  const { vigil, workflow, systems, run, until, finish } = hospital();
  const decided: Array<{ tool: string; step: string; decision: string; rule: string | null; args: unknown }> = [];
  vigil.events.on('policy.decided', ({ tool, step, decision, rule, args }) =>
    decided.push({ tool, step, decision, rule, args }),
  );
  const { id } = await vigil.start(workflow, { patientId: 'P-1001', relatedPatientId: 'P-2002' });
  await until(async () => (await run(id)).status === 'waiting');

  // The EHR saw the patient's own read and nothing else.
  expect(systems.requests.ehr).toBe(1);
  expect(decided).toEqual([
    {
      tool: 'ehr.read',
      step: 'record',
      decision: 'allowed',
      rule: 'constraints.ehr.read',
      args: { patientId: 'P-1001' },
    },
    {
      tool: 'ehr.read',
      step: 'related-record',
      decision: 'denied',
      rule: 'constraints.ehr.read.patientId',
      args: { patientId: 'P-2002' },
    },
  ]);
  const related = step(await run(id), 'related-record');
  expect(related).toMatchObject({
    status: 'waiting',
    attempts: 0,
    error: { code: 'policy_denied', details: { rule: 'constraints.ehr.read.patientId', tool: 'ehr.read' } },
  });
  const [escalation] = (await vigil.escalations.list({ runId: id })).escalations;
  expect(escalation).toMatchObject({
    kind: 'exhausted',
    step: 'related-record',
    assignee: 'privacy-officer',
    blocking: true,
    reason: expect.stringContaining('denied by policy rule constraints.ehr.read.patientId') as string,
    context: { lastError: { code: 'policy_denied' } },
  });

  // The privacy officer stops the discharge; the other record was never read.
  await vigil.escalations.resolve(escalation!.id, { decision: 'abort', note: 'not the care team’s patient' });
  await expect(finish(id)).rejects.toThrow(/failed/);
  expect(systems.requests.ehr).toBe(1);

  // The audit trail holds the denial, its escalation and the officer's decision, and verifies.
  await vigil.audit.flush();
  const trail = (await vigil.audit.list({ runId: id, limit: 1000 })).entries;
  expect(
    trail.find((e) => e.type === 'policy.decided' && (e.data as { decision?: string }).decision === 'denied')?.data,
  ).toMatchObject({
    step: 'related-record',
    tool: 'ehr.read',
    rule: 'constraints.ehr.read.patientId',
    args: { patientId: 'P-2002' },
  });
  expect(trail.map((e) => e.type)).toEqual(
    expect.arrayContaining(['run.created', 'escalation.opened', 'escalation.resolved', 'run.failed']),
  );
  expect(await vigil.audit.verify()).toMatchObject({ ok: true });
});
