import { describe, expect, it } from 'vitest';

import type { StepRecord } from '../store/checkpoint-store.js';
import type { EscalationRecord } from '../store/escalation-store.js';
import { estimateRemaining, formatEta } from './eta.js';

const NOW = 1_000_000;
const DECLARED = ['record', 'insurance', 'pharmacy', 'summary'];
const HISTORY = new Map([
  ['record', 10_000],
  ['insurance', 60_000],
  ['pharmacy', 120_000],
  ['summary', 30_000],
]);

function step(name: string, status: StepRecord['status'], overrides: Partial<StepRecord> = {}): StepRecord {
  return {
    seq: DECLARED.indexOf(name) + 1,
    name,
    kind: 'step',
    status,
    attempts: 1,
    output: null,
    error: null,
    wakeAt: null,
    startedAt: NOW,
    endedAt: status === 'completed' ? NOW : null,
    detail: null,
    intact: true,
    ...overrides,
  };
}

function escalation(stepName: string, blocking: boolean): EscalationRecord {
  return { step: stepName, blocking } as EscalationRecord;
}

describe('formatEta', () => {
  it('says under a minute, minutes, hours and days', () => {
    expect([0, 59, 60, 89, 300, 3_599, 3_600, 7_800, 50 * 3600].map(formatEta)).toEqual([
      'under a minute',
      'under a minute',
      '1 min',
      '1 min',
      '5 min',
      '1 h',
      '1 h',
      '2 h 10 min',
      '2 days',
    ]);
  });
});

describe('estimateRemaining', () => {
  it('adds the medians of steps not started and what is left of the running one', () => {
    const steps = [step('record', 'completed'), step('insurance', 'running', { startedAt: NOW - 20_000 })];
    expect(estimateRemaining(DECLARED, steps, [], HISTORY, NOW)).toEqual({ seconds: 190, sentence: 'ETA 3 min.' });
  });

  it('counts a sleep until its known wake time, whatever history says', () => {
    const steps = [step('record', 'completed'), step('insurance', 'sleeping', { wakeAt: NOW + 2 * 3_600_000 })];
    expect(estimateRemaining(DECLARED, steps, [], HISTORY, NOW).seconds).toBe(7_200 + 150);
  });

  it("counts a person's answer by that step's history, and says so when there is none", () => {
    const waiting = [step('record', 'completed'), step('insurance', 'waiting')];
    const open = [escalation('insurance', true)];
    expect(estimateRemaining(DECLARED, waiting, open, HISTORY, NOW).seconds).toBe(210);
    const noHistory = new Map([...HISTORY].filter(([name]) => name !== 'insurance'));
    expect(estimateRemaining(DECLARED, waiting, open, noHistory, NOW)).toEqual({
      seconds: null,
      sentence: 'Waiting for a person; no ETA.',
    });
  });

  it('does not wait for a non-blocking escalation: its step is handled', () => {
    const steps = [step('record', 'completed'), step('insurance', 'completed'), step('pharmacy', 'escalated')];
    const open = [escalation('pharmacy', false)];
    expect(estimateRemaining(DECLARED, steps, open, HISTORY, NOW)).toEqual({
      seconds: 30,
      sentence: 'ETA under a minute.',
    });
  });

  it('gives no ETA without history, or without declared steps', () => {
    expect(estimateRemaining(DECLARED, [], [], new Map(), NOW)).toEqual({ seconds: null, sentence: null });
    expect(estimateRemaining(undefined, [], [], HISTORY, NOW)).toEqual({ seconds: null, sentence: null });
  });
});
