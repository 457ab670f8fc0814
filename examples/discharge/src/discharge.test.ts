import { costOf, resolvePriceTable } from 'vigil';
import { expect, it } from 'vitest';

import { DISCHARGE_MODEL_ID, DISCHARGE_PRICING } from './discharge-model.js';
import { attempts, declaredSteps, step, useHospital } from './hospital-harness.js';

const hospital = useHospital();

it('discharges a patient through the six declared steps when every system answers', async () => {
  const { vigil, workflow, systems, model, run, discharge } = hospital();
  const { id, output } = await discharge('P-1001');
  expect(output).toMatchObject({
    patientId: 'P-1001',
    eligible: true,
    pharmacy: { status: 'placed', orderId: expect.stringMatching(/^RX-\d+$/) as unknown },
    followUp: { status: 'booked', appointmentId: expect.stringMatching(/^APT-\d+$/) as unknown },
    summary: { writtenBy: DISCHARGE_MODEL_ID },
  });
  // The offline model wrote prose from the facts in its prompt, in one call.
  expect(output.summary.text).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+ \(P-1001\) leaves .+ under Dr\. Rivera\./);
  expect(output.summary.text).toContain(`order ${output.pharmacy.orderId}`);
  expect(model.calls).toBe(1);
  const details = await run(id);
  expect(details.status).toBe('completed');
  expect(declaredSteps(details).map((s) => [s.name, s.kind, s.status])).toEqual(
    workflow.steps!.map((name) => [name, name === 'summary' ? 'llm' : 'tool', 'completed']),
  );
  // Under its budget every call is reserved then settled: the eligibility check, the SMS, and the
  // summary priced by its tokens.
  const summary = step(details, 'summary');
  const summaryCost = costOf(DISCHARGE_MODEL_ID, summary.llm!.tokens, resolvePriceTable(DISCHARGE_PRICING));
  expect(summary.llm).toMatchObject({ model: DISCHARGE_MODEL_ID, costUsd: summaryCost });
  expect(summaryCost).toBeGreaterThan(0.0005);
  expect(declaredSteps(details).map((s) => s.costUsd)).toEqual([0, 0.005, 0, 0, summaryCost, 0.0079]);
  expect(details.costUsd).toBeCloseTo(0.0129 + summaryCost, 9);
  expect(systems.notifier.delivered).toEqual([{ channel: 'sms', to: '+1-555-0100', messageId: output.notified }]);
  await expect(vigil.start(workflow, { patientId: '1001' })).rejects.toThrow(
    /input\.patientId: patientId looks like P-1001/,
  );
});

it('with the demo faults, retries the insurer, hands the pharmacy and the follow-up to people, and falls back to the template', async () => {
  const { vigil, workflow, model, run, until, finish } = hospital({ DISCHARGE_FAULTS: 'demo' });
  const { id } = await vigil.start(workflow, { patientId: 'P-2002' });

  // While the model is retried, clinicians see what the brief shows them (the summary's own
  // sentence is missing: see the runtime gap below).
  await until(async () => step(await run(id), 'summary')?.status === 'retrying');
  const inProgress = (await run(id)).progress.summary;
  expect(inProgress).toMatch(/^Discharge in progress: 2\/6 steps complete\. /);
  expect(inProgress).toContain('Pharmacy coordination pending pharmacist review.');

  const output = await finish(id);
  const details = await run(id);
  expect(details.status).toBe('completed_partial');
  expect(details.summary).toMatch(
    /^Discharge 50% complete; pharmacy awaiting pharmacist review; appointments awaiting scheduler review/,
  );
  expect(declaredSteps(details).map((s) => [s.name, s.status, s.attempts])).toEqual([
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
    ['failed', 'Summary model answered 503 Service Unavailable'],
    ['failed', 'Summary model answered 503 Service Unavailable'],
  ]);
  // Both attempts reached the model; a refused call costs nothing, and the template is free.
  expect(model.calls).toBe(2);
  expect(step(details, 'summary')).toMatchObject({ costUsd: 0 });
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
    'Discharge in progress: 1/6 steps complete. Insurance verification pending billing review. Waiting for a person; no ETA.',
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

// The summary is an LLM step: it counts in the progress line and the run's ending like any other.
it('counts the summary LLM call in the progress line of a completed discharge', async () => {
  const { run, discharge } = hospital();
  const { id } = await discharge('P-1001');
  expect((await run(id)).progress.summary).toBe('Discharge completed: 6/6 steps complete.');
});

it('shows the summary retrying in the progress line while the model is down', async () => {
  const { vigil, workflow, run, until } = hospital({ DISCHARGE_SUMMARY_DOWN: '1' });
  const { id } = await vigil.start(workflow, { patientId: 'P-2002' });
  await until(async () => step(await run(id), 'summary')?.status === 'retrying');
  expect((await run(id)).progress.summary).toContain('Discharge summary retrying after 1 failed attempt.');
});

it('names the summary in the partial summary when the template wrote it', async () => {
  const { run, discharge } = hospital({ DISCHARGE_SUMMARY_DOWN: '1' });
  const { id, output } = await discharge('P-2002');
  expect(output.summary.writtenBy).toBe('template');
  const details = await run(id);
  expect([details.status, details.summary]).toEqual([
    'completed_partial',
    'Discharge 83% complete; summary used its fallback',
  ]);
});
