import { describe, expect, it } from 'vitest';

import { distinctGates, gateId, planAdmissions, type GatedRun, type GateState } from './flow-gates.js';

const NOW = 1_000_000;

function run(id: string, overrides: Partial<GatedRun> = {}): GatedRun {
  return {
    id,
    workflow: 'wf',
    concurrencyLimit: null,
    concurrencyKey: null,
    keyLimit: null,
    rateLimit: null,
    ratePeriodMs: null,
    rateKey: null,
    ...overrides,
  };
}

/** Fresh states for every gate of `runs`, with what the test says is already there. */
function states(runs: GatedRun[], given: Record<string, Partial<GateState>> = {}): Map<string, GateState> {
  return new Map(
    distinctGates(runs).map((gate) => [
      gateId(gate.workflow, gate.name),
      { active: 0, starts: [], held: false, ...given[gate.name] },
    ]),
  );
}

describe('planAdmissions', () => {
  it('admits in queue order until a limit is full, and holds the rest on that limit', () => {
    const runs = ['a', 'b', 'c'].map((id) => run(id, { concurrencyLimit: 2 }));
    const plan = planAdmissions(runs, states(runs, { c: { active: 1 } }), NOW, 10);
    expect(plan.admit).toEqual(['a']);
    expect(plan.hold).toEqual([
      { id: 'b', gate: 'c' },
      { id: 'c', gate: 'c' },
    ]);
    expect(plan.release).toEqual([]);
  });

  it('lets other keys through when one key is full', () => {
    const runs = [
      run('a1', { keyLimit: 1, concurrencyKey: 'A' }),
      run('b1', { keyLimit: 1, concurrencyKey: 'B' }),
      run('a2', { keyLimit: 1, concurrencyKey: 'A' }),
    ];
    const plan = planAdmissions(runs, states(runs), NOW, 10);
    expect(plan.admit).toEqual(['a1', 'b1']);
    expect(plan.hold).toEqual([{ id: 'a2', gate: 'k:A' }]);
  });

  it('stops at the claim limit and leaves later candidates alone', () => {
    const runs = ['a', 'b', 'c'].map((id) => run(id, { concurrencyLimit: 5 }));
    const plan = planAdmissions(runs, states(runs), NOW, 2);
    expect(plan.admit).toEqual(['a', 'b']);
    expect(plan.hold).toEqual([]);
  });

  it('gives room a held run could take back to it: a run blocked on its key releases one held on the workflow limit', () => {
    const runs = [run('a2', { concurrencyLimit: 3, keyLimit: 1, concurrencyKey: 'A' })];
    const plan = planAdmissions(runs, states(runs, { c: { active: 1, held: true }, 'k:A': { active: 1 } }), NOW, 5);
    expect(plan.hold).toEqual([{ id: 'a2', gate: 'k:A' }]);
    expect(plan.release.map((g) => g.name)).toEqual(['c']);
  });

  it('releases one held run of a limit that still has room after an admission, once per plan', () => {
    const runs = ['x', 'y'].map((id) => run(id, { concurrencyLimit: 5 }));
    const plan = planAdmissions(runs, states(runs, { c: { held: true } }), NOW, 5);
    expect(plan.admit).toEqual(['x', 'y']);
    expect(plan.release.map((g) => g.name)).toEqual(['c']);
  });

  it('holds runs over a rate limit and sets its timer to when the window has room', () => {
    const rate = { rateLimit: 2, ratePeriodMs: 1000, rateKey: '' };
    const runs = ['a', 'b', 'c'].map((id) => run(id, rate));
    const plan = planAdmissions(runs, states(runs, { 'r:': { starts: [NOW - 300] } }), NOW, 10);
    expect(plan.admit).toEqual(['a']);
    expect(plan.hold.map((h) => h.id)).toEqual(['b', 'c']);
    // Two starts in the window (now and now - 300): room again when the older leaves it.
    expect(plan.timers).toEqual([{ workflow: 'wf', gate: 'r:', at: NOW - 300 + 1000 }]);
  });

  it('counts only the starts inside the window', () => {
    const rate = { rateLimit: 1, ratePeriodMs: 1000, rateKey: 'k' };
    const runs = [run('a', rate)];
    expect(planAdmissions(runs, states(runs, { 'r:k': { starts: [NOW - 1000] } }), NOW, 1).admit).toEqual(['a']);
    expect(planAdmissions(runs, states(runs, { 'r:k': { starts: [NOW - 999] } }), NOW, 1).admit).toEqual([]);
  });

  it('checks concurrency before the rate, so a blocked run spends no start', () => {
    const runs = [run('a', { concurrencyLimit: 1, rateLimit: 1, ratePeriodMs: 1000, rateKey: '' })];
    const given = { c: { active: 1 } };
    const plan = planAdmissions(runs, states(runs, given), NOW, 1);
    expect(plan.hold).toEqual([{ id: 'a', gate: 'c' }]);
    expect(plan.timers).toEqual([]);
  });

  it('reads each gate with the largest limit and period asked of it', () => {
    const gates = distinctGates([run('a', { concurrencyLimit: 2 }), run('b', { concurrencyLimit: 7 })]);
    expect(gates).toEqual([{ workflow: 'wf', name: 'c', kind: 'c', key: null, limit: 7, periodMs: 0 }]);
  });
});
