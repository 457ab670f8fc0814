import { describe, expect, it } from 'vitest';

import { oldSpaceUsed, scavengeTwice } from '../../test/helpers/scavenges.js';
import { ActiveRuns } from './active-runs.js';

const run = (runId: string, bytes = 0) => ({ runId, held: new Array<number>(bytes / 8).fill(1.5) });

describe('ActiveRuns', () => {
  it('holds one run per id, in launch order, and removes only the one it holds', () => {
    const runs = new ActiveRuns<ReturnType<typeof run>>();
    const [a, b, c] = [run('a'), run('b'), run('c')];
    runs.set(a);
    runs.set(b);
    runs.set(c);
    const newerA = run('a');
    runs.set(newerA);
    expect(runs.size).toBe(3);
    expect(runs.get('a')).toBe(newerA);
    runs.delete(a);
    expect(runs.get('a')).toBe(newerA);
    runs.delete(b);
    expect(runs.values()).toEqual([newerA, c]);
    expect(runs.get('b')).toBeUndefined();
  });

  // A `Map` fails this: each table it replaces keeps its entries and points at the next one, so
  // once a table is in old space every run that passed through later stays alive through
  // scavenges (all 5 MB that passed through here).
  it('keeps no run that left alive through scavenges, once it is itself in old space', () => {
    const runs = new ActiveRuns<ReturnType<typeof run>>();
    runs.set(run('long-lived'));
    scavengeTwice();
    const before = oldSpaceUsed();
    // 1,250 runs of 4 KB, 16 at a time, as a worker's concurrency lets them through.
    for (let i = 0; i < 1250; i++) {
      runs.set(run(`run-${i}`, 4096));
      if (runs.size > 16) runs.delete(runs.values()[1]!);
    }
    for (const held of runs.values().slice(1)) runs.delete(held);
    scavengeTwice();
    expect(oldSpaceUsed() - before).toBeLessThan(1024 * 1024);
  });
});
