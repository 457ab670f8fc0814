import { expect, it } from 'vitest';

import { resolveChaosOptions } from './options.js';

const base = { load: 'agent.ts', workflow: 'my.flow', database: '/tmp/never-opened.db' };

it('grants no approvals unless asked, and keeps the assignees it is given', () => {
  expect(resolveChaosOptions(base).approve).toEqual([]);
  expect(resolveChaosOptions({ ...base, approve: ['finance', 'billing'] }).approve).toEqual(['finance', 'billing']);
});

it('refuses an empty assignee, naming the option', () => {
  expect(() => resolveChaosOptions({ ...base, approve: ['finance', ' '] })).toThrow(
    /runChaos approve: each assignee must be a non-empty name/,
  );
  expect(() => resolveChaosOptions({ ...base, approve: [''] })).toThrow(
    expect.objectContaining({ code: 'invalid_argument' }) as Error,
  );
});
