import { describe, expect, it } from 'vitest';

import { hasFastProperties, haveSameHiddenClass } from '../../test/helpers/hidden-class.js';
import { silentLogger } from '../core/logger.js';
import { redactionRules } from '../governance/audit-redaction.js';
import { FakeClock } from '../testing/fake-clock.js';
import type { AttemptContext } from './attempt-context.js';
import { RuntimeEvents } from './events.js';
import { DEFAULT_STEP_LOG_CAP, RunLogs } from './run-logs.js';
import { runAttempt, type AttemptCall, type StepHost } from './step-runner.js';

/** A run for `runAttempt` that commits at once and counts who asks for its abort signal. */
function fakeRun() {
  const clock = new FakeClock();
  const controller = new AbortController();
  const span = { run: <T>(fn: () => T): T => fn(), end: () => undefined };
  const run = {
    signalReads: 0,
    controller,
    host: {
      runId: 'run_1',
      workflowName: 'wf',
      deps: { clock, events: new RuntimeEvents(), leaseTtlMs: 10_000 },
      get signal() {
        run.signalReads++;
        return controller.signal;
      },
      log: silentLogger,
      logs: new RunLogs(
        'run_1',
        silentLogger,
        { writer: undefined, rules: redactionRules(), cap: DEFAULT_STEP_LOG_CAP },
        clock,
      ),
      trace: { startAttempt: () => span },
      active: true,
      leaseExpiresAt: clock.now() + 10_000,
      leaseRenewed: () => undefined,
      commitNow: () => Promise.resolve(true),
      failpoint: () => undefined,
    } as unknown as StepHost,
  };
  return run;
}

const call = (seq: number, body: (step: AttemptContext) => unknown, timeoutMs?: number): AttemptCall => ({
  seq,
  name: `step-${seq}`,
  kind: 'step',
  body,
  timeoutMs,
  maxResultBytes: 1024,
});

describe('a step attempt context', () => {
  it("asks for the run's abort signal only when the body reads it", async () => {
    const run = fakeRun();
    await runAttempt(
      run.host,
      call(1, () => 1),
      1,
      {},
    );
    expect(run.signalReads).toBe(0);
    let seen: AbortSignal | undefined;
    await runAttempt(
      run.host,
      call(2, ({ signal }) => (seen = signal)),
      1,
      {},
    );
    expect(seen).toBe(run.controller.signal);
  });

  it('hands a body with a timeout a signal of its own that aborts with the run', async () => {
    const run = fakeRun();
    let seen: AbortSignal | undefined;
    let abortedWithRun = false;
    const body = ({ signal }: AttemptContext) => {
      seen = signal;
      run.controller.abort(new Error('lease lost'));
      abortedWithRun = signal.aborted;
      return 1;
    };
    await runAttempt(run.host, call(1, body, 5000), 1, {});
    expect(seen).not.toBe(run.controller.signal);
    expect(abortedWithRun).toBe(true);
  });

  it('is in fast mode with one hidden class for every attempt, and checks the cost it is told', async () => {
    const run = fakeRun();
    const seen: AttemptContext[] = [];
    for (let seq = 1; seq <= 60; seq++)
      await runAttempt(
        run.host,
        call(seq, (step) => seen.push(step)),
        1,
        {},
      );
    const last = seen[59]!;
    expect(last).toMatchObject({ runId: 'run_1', stepName: 'step-60', seq: 60, attempt: 1 });
    expect(last.idempotencyKey).toBe(seen[58]!.idempotencyKey.replace(/59$/, '60'));
    expect(hasFastProperties(last)).toBe(true);
    expect(haveSameHiddenClass(seen[58]!, last)).toBe(true);
    expect(() => last.reportCost(-1)).toThrow(/reportCost of "step-60" needs USD/);
  });
});
