import { describe, expect, it } from 'vitest';

import { RuntimeEvents } from './events.js';
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
});
