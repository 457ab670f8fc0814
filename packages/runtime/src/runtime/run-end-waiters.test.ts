import { describe, expect, it } from 'vitest';

import { RuntimeEvents } from './events.js';
import type { RunOutcome } from '../store/run-store.js';
import { RunEndWaiters } from './run-end-waiters.js';

const error = { name: 'Error', code: 'step_failed', message: 'nope', retryable: false };

describe('RunEndWaiters', () => {
  it('wakes the waiters of the run that ended, by any end event, and no others', () => {
    const events = new RuntimeEvents();
    const waiters = new RunEndWaiters(events);
    const woken: string[] = [];
    waiters.wait('a', () => woken.push('a1'));
    waiters.wait('a', () => woken.push('a2'));
    waiters.wait('b', () => woken.push('b'));
    waiters.wait('c', () => woken.push('c'));
    waiters.wait('d', () => woken.push('d'));
    events.emit('run.completed', { runId: 'a', workflow: 'w', status: 'completed', summary: null, durationMs: 1 });
    expect(woken).toEqual(['a1', 'a2']);
    events.emit('run.failed', { runId: 'b', workflow: 'w', error, durationMs: 1 });
    events.emit('run.dead_lettered', { runId: 'c', workflow: 'w', deadLetterId: 'x', error, durationMs: 1 });
    events.emit('run.cancelled', { runId: 'd', workflow: 'w', durationMs: 1 });
    events.emit('run.suspended', { runId: 'a', status: 'sleeping', wakeAt: 5 });
    expect(woken).toEqual(['a1', 'a2', 'b', 'c', 'd']);
  });

  it('stops waking a waiter that stopped waiting, and listens again for the next one', () => {
    const events = new RuntimeEvents();
    const waiters = new RunEndWaiters(events);
    const woken: string[] = [];
    const end = (runId: string): void =>
      events.emit('run.completed', { runId, workflow: 'w', status: 'completed', summary: null, durationMs: 1 });
    const stopFirst = waiters.wait('a', () => woken.push('first'));
    const stopSecond = waiters.wait('a', () => woken.push('second'));
    stopFirst();
    end('a');
    expect(woken).toEqual(['second']);
    stopSecond();
    stopSecond();
    end('a');
    expect(woken).toEqual(['second']);
    const stopThird = waiters.wait('a', () => woken.push('third'));
    end('a');
    expect(woken).toEqual(['second', 'third']);
    stopThird();
  });

  it('hands the waiters of a run ended here its ending as a read would return it, before the announcement', () => {
    const events = new RuntimeEvents();
    const waiters = new RunEndWaiters(events);
    const woken: Array<RunOutcome | null> = [];
    waiters.wait('a', (ending) => woken.push(ending));
    waiters.wait('b', (ending) => woken.push(ending));
    waiters.endedHere('a', { status: 'completed', output: '"out"' });
    waiters.endedHere('b', { status: 'failed', error: { ...error, details: { skipped: undefined, n: 1 } } });
    waiters.endedHere('nobody', { status: 'completed', output: 'null' });
    events.emit('run.cancelled', { runId: 'a', workflow: 'w', durationMs: 1 });
    expect(woken).toEqual([
      { status: 'completed', output: '"out"', error: null },
      // The error as it is stored: what JSON keeps of it.
      { status: 'failed', output: null, error: { ...error, details: { n: 1 } } },
      null,
    ]);
    expect(Object.keys((woken[1] as RunOutcome).error?.details ?? {})).toEqual(['n']);
  });
});
