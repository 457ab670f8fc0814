import { describe, expect, it } from 'vitest';

import { haveSameHiddenClass } from '../../test/helpers/hidden-class.js';
import { entryHash, GENESIS_HASH } from '../core/audit-chain.js';
import type { AuditDraft } from './audit-store.js';
import { chainDrafts } from './audit-rows.js';

describe('chainDrafts', () => {
  const draft = (n: number): AuditDraft => ({
    type: 'step.completed',
    at: 1_000 + n,
    runId: `run_${n}`,
    principal: null,
    data: { seq: n },
    text: `{"seq":${n}}`,
  });

  it('chains entries after the head, each hashed over its fields', () => {
    const [first, second] = chainDrafts(null, [draft(1), draft(2)], 5_000);
    expect(first).toEqual({
      entry: {
        type: 'step.completed',
        at: 1_001,
        principal: null,
        runId: 'run_1',
        data: { seq: 1 },
        seq: 1,
        prevHash: GENESIS_HASH,
        hash: entryHash(1, GENESIS_HASH, {
          type: 'step.completed',
          at: 1_001,
          runId: 'run_1',
          principal: null,
          data: { seq: 1 },
        }),
      },
      data: '{"seq":1}',
    });
    expect(second!.entry).toMatchObject({ seq: 2, prevHash: first!.entry.hash });
  });

  it('gives every entry one hidden class, however many are chained', () => {
    const drafts = Array.from({ length: 100 }, (_, n) => draft(n));
    let last = chainDrafts(null, drafts, 0);
    for (let batch = 0; batch < 30; batch++) last = chainDrafts(last.at(-1)!.entry, drafts, 0);
    expect(haveSameHiddenClass(last[0]!.entry, last[99]!.entry)).toBe(true);
  });
});
