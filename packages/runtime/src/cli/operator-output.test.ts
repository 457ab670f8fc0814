import { describe, expect, it } from 'vitest';

import type { DeadLetterView, EscalationView } from '../runtime/operator-views.js';
import { formatDeadLetter, formatEscalation, formatReplay, humanDuration } from './operator-output.js';

const escalation: EscalationView = {
  id: 'esc-1',
  runId: 'run-1',
  workflow: 'insurance.claim',
  seq: 3,
  step: 'insurance',
  kind: 'exhausted',
  reason: 'Tool insurance.check failed after 3 attempts',
  summary: null,
  assignee: 'billing',
  blocking: true,
  status: 'open',
  context: {
    completedSteps: [
      { seq: 1, name: 'record', status: 'completed' },
      { seq: 2, name: 'pharmacy', status: 'degraded' },
    ],
    failingStep: { seq: 3, name: 'insurance', attempts: 3 },
    attempts: [
      { attempt: 1, outcome: 'failed', error: 'Tool insurance.check timed out after 10000 ms', code: 'timeout' },
      { attempt: 2, outcome: 'failed', error: 'HTTP 503', code: null },
    ],
    lastError: { message: 'HTTP 503' },
  },
  createdAt: '2026-01-01T10:00:00.000Z',
  timeoutAt: '2026-01-01T11:00:00.000Z',
  onTimeout: 'abort',
  decision: null,
  value: null,
  resolvedBy: null,
  note: null,
  resolvedAt: null,
};

describe('operator output', () => {
  it('writes spans the way people read them', () => {
    expect([850, 12_000, 250_000, 3_600_000, 3_660_000, 86_400_000 * 2 + 3_600_000 * 4].map(humanDuration)).toEqual([
      '850ms',
      '12s',
      '4m 10s',
      '1h',
      '1h 1m',
      '2d 4h',
    ]);
  });

  it('shows an escalation with its time left, the steps done, the failing step and each attempt', () => {
    const text = formatEscalation(escalation, Date.parse('2026-01-01T10:15:30.000Z'));
    expect(text).toMatch(/Status\s+open \(the run waits for a decision\)/);
    expect(text).toMatch(/Assignee\s+billing/);
    expect(text).toMatch(/Timeout\s+44m 30s left \(2026-01-01T11:00:00.000Z, then abort\)/);
    expect(text).toMatch(/Completed steps\s+record, pharmacy \(degraded\)/);
    expect(text).toMatch(/Failing step\s+#3 "insurance" after 3 attempts/);
    expect(text).toMatch(/1\s+failed\s+\[timeout\] Tool insurance.check timed out after 10000 ms/);
    expect(text).toMatch(/2\s+failed\s+HTTP 503/);
    expect(text).not.toContain('Summary');

    const late = formatEscalation(escalation, Date.parse('2026-01-01T11:00:05.000Z'));
    expect(late).toMatch(/Timeout\s+passed 5s ago/);
  });

  it('shows an approval with the tool and the exact arguments it would run with', () => {
    const text = formatEscalation(
      {
        ...escalation,
        kind: 'approval',
        timeoutAt: null,
        onTimeout: null,
        context: { tool: 'pharmacy.order', args: { qty: 20 }, rule: 'approval.pharmacy.order' },
      },
      Date.parse('2026-01-01T10:15:30.000Z'),
    );
    expect(text).toMatch(/Tool\s+pharmacy\.order/);
    expect(text).toMatch(/Rule\s+approval\.pharmacy\.order/);
    expect(text).toContain('"qty": 20');
    expect(text).toContain('--decision approve | reject | abort');
    expect(text).not.toContain('Failing step');
  });

  it('shows the decision of a resolved escalation', () => {
    const resolved = formatEscalation(
      {
        ...escalation,
        status: 'resolved',
        decision: 'provide',
        value: { eligible: true },
        resolvedBy: 'dana',
        note: 'checked by phone',
        resolvedAt: '2026-01-01T10:20:00.000Z',
      },
      0,
    );
    expect(resolved).toMatch(/Decision\s+provide by dana at 2026-01-01T10:20:00.000Z/);
    expect(resolved).toMatch(/Value\s+\{"eligible":true\}/);
    expect(resolved).toMatch(/Note\s+checked by phone/);
    expect(resolved).not.toContain('Timeout');
  });

  it('shows a dead letter with its error and context, and what a replay did', () => {
    const letter: DeadLetterView = {
      id: 'dl-1',
      runId: 'run-1',
      workflow: 'insurance.claim',
      version: 2,
      reason: 'Step "insurance" failed after 3 attempts: HTTP 503',
      error: {
        name: 'StepFailedError',
        message: 'Step "insurance" failed after 3 attempts: HTTP 503',
        code: 'step_failed',
      },
      failedStep: { seq: 3, name: 'insurance' },
      context: escalation.context,
      createdAt: '2026-01-01T10:00:00.000Z',
      replayedAt: null,
      replayRunId: null,
      replayedBy: null,
    };
    const text = formatDeadLetter(letter);
    expect(text).toMatch(/Run\s+run-1 \(insurance.claim@2\)/);
    expect(text).toMatch(/Error\s+\[step_failed\] Step "insurance" failed after 3 attempts/);
    expect(text).toMatch(/Failed step\s+#3 "insurance"/);
    expect(text).toMatch(/2\s+failed\s+HTTP 503/);
    expect(text).not.toContain('Replayed');

    const replayed = { ...letter, replayedAt: '2026-01-01T11:00:00.000Z', replayRunId: 'run-1' };
    expect(formatDeadLetter(replayed)).toMatch(/Replayed\s+2026-01-01T11:00:00.000Z as run run-1/);
    expect(formatReplay({ deadLetter: replayed, runId: 'run-1', fromSeq: 3 })).toBe(
      'Replayed dead letter dl-1: run run-1 resumes from step #3',
    );
    expect(formatReplay({ deadLetter: { ...replayed, replayRunId: 'run-2' }, runId: 'run-2', fromSeq: null })).toBe(
      'Replayed dead letter dl-1 as new run run-2 with the new input',
    );
  });
});
