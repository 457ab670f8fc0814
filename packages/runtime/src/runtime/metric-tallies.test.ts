/** The engine's tallies print what prom-client's own counters and histograms print for the same events. */
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { CounterTally, HistogramTally, registerTally } from './metric-tallies.js';

const BOUNDS = [0.005, 0.1, 1, 60];
/** Below the first bound, on a bound, between bounds, above the last, and zero. */
const OBSERVED = [0.001, 0.005, 0.05, 0.1, 0.7, 1, 59.9, 61, 3600, 0];

describe('metric tallies', () => {
  it('scrape as prom-client’s counters and histograms do, series by series, in the same registry', async () => {
    const theirs = new Registry();
    const counter = new Counter({
      name: 'x_calls_total',
      help: 'Calls.',
      labelNames: ['tool', 'outcome'],
      registers: [theirs],
    });
    const histogram = new Histogram({
      name: 'x_step_seconds',
      help: 'Steps, "quoted" and \\ escaped.',
      labelNames: ['workflow', 'status'],
      buckets: BOUNDS,
      registers: [theirs],
    });
    const ours = new Registry();
    const calls = new CounterTally('x_calls_total', 'Calls.', ['tool', 'outcome']);
    const steps = new HistogramTally(
      'x_step_seconds',
      'Steps, "quoted" and \\ escaped.',
      ['workflow', 'status'],
      BOUNDS,
    );
    registerTally(ours, calls);
    registerTally(ours, steps);

    for (const [i, value] of OBSERVED.entries()) {
      const labels = { workflow: i % 3 === 0 ? 'w.a' : 'w "b"\n', status: i % 2 === 0 ? 'completed' : 'failed' };
      histogram.observe(labels, value);
      steps.observe(labels, value);
      const call = { tool: i % 2 === 0 ? 'search' : 'refund\\x', outcome: 'completed' };
      counter.inc(call, value);
      calls.inc(call, value);
    }
    calls.inc({ tool: 'search', outcome: 'denied' });
    counter.inc({ tool: 'search', outcome: 'denied' });

    const text = await ours.metrics();
    expect(text).toContain('x_step_seconds_bucket{le="+Inf",workflow="w.a",status="completed"} 2');
    expect(text).toBe(await theirs.metrics());
    // The same JSON but for prom-client's empty exemplars, which tallies do not keep.
    const withoutExemplars = (metrics: unknown) =>
      JSON.parse(JSON.stringify(metrics, (key, value: unknown) => (key === 'exemplar' ? undefined : value))) as unknown;
    expect(withoutExemplars(await ours.getMetricsAsJSON())).toEqual(withoutExemplars(await theirs.getMetricsAsJSON()));
  });

  it('print nothing but their header before the first event, as prom-client does', async () => {
    const theirs = new Registry();
    new Counter({ name: 'y_total', help: 'Y.', labelNames: ['workflow'], registers: [theirs] });
    const ours = new Registry();
    registerTally(ours, new CounterTally('y_total', 'Y.', ['workflow']));
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });
});
