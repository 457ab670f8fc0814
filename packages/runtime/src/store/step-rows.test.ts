import { describe, expect, it } from 'vitest';

import { haveSameHiddenClass } from '../../test/helpers/hidden-class.js';
import { stepChecksum } from './checkpoint-checksum.js';
import { toStepRecord, type StepRow } from './step-rows.js';

function row(seq: number): StepRow {
  const step = { seq, name: `step-${seq}`, kind: 'step' as const, status: 'completed' as const, attempts: 1 };
  const output = `"${seq}"`;
  return {
    ...step,
    output,
    error: null,
    checksum: stepChecksum(step, output, null),
    wake_at: null,
    started_at: 10,
    ended_at: 15,
    detail: null,
  };
}

describe('toStepRecord', () => {
  it('verifies each row and gives every record one hidden class, however many rows a replay reads', () => {
    const records = Array.from({ length: 3000 }, (_, i) => toStepRecord(row(i + 1)));
    expect(records[2999]).toEqual({
      seq: 3000,
      name: 'step-3000',
      kind: 'step',
      status: 'completed',
      attempts: 1,
      output: '"3000"',
      error: null,
      wakeAt: null,
      startedAt: 10,
      endedAt: 15,
      detail: null,
      intact: true,
    });
    expect(toStepRecord({ ...row(7), output: '"8"' }).intact).toBe(false);
    expect(haveSameHiddenClass(records[2000]!, records[2999]!)).toBe(true);
  });
});
