/** `VigilMetrics` options and isolation; the scrape itself is tested over HTTP in `server/routes/metrics.test.ts`. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { Harness } from '../../test/helpers/harness.js';
import { parseScrape } from '../../test/helpers/scrape.js';
import { silentLogger } from '../core/logger.js';
import { RuntimeEvents } from './events.js';
import { VigilMetrics } from './metrics.js';

describe('VigilMetrics', () => {
  let h: Harness;
  const saved = process.env['VIGIL_METRICS_PUBLIC'];
  beforeEach(() => {
    h = new Harness('sqlite');
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env['VIGIL_METRICS_PUBLIC'];
    else process.env['VIGIL_METRICS_PUBLIC'] = saved;
    await h.cleanup();
  });

  const metrics = (options?: { public?: boolean }, events = new RuntimeEvents()) =>
    new VigilMetrics({ store: h.store(), events, logger: silentLogger }, options);

  it('is public by the option, else by VIGIL_METRICS_PUBLIC, else not; a bad value is a typed error', () => {
    delete process.env['VIGIL_METRICS_PUBLIC'];
    expect(metrics().public).toBe(false);
    for (const [value, expected] of [
      ['1', true],
      ['true', true],
      [' TRUE ', true],
      ['0', false],
      ['false', false],
      ['', false],
    ] as const) {
      process.env['VIGIL_METRICS_PUBLIC'] = value;
      expect(metrics().public, value).toBe(expected);
    }
    process.env['VIGIL_METRICS_PUBLIC'] = '1';
    expect(metrics({ public: false }).public).toBe(false);
    process.env['VIGIL_METRICS_PUBLIC'] = 'yes';
    expect(() => metrics()).toThrow(expect.objectContaining({ code: 'invalid_argument' }) as Error);
  });

  it('keeps two instances apart, counts nothing after close, and leaves out a negative amount', async () => {
    const eventsA = new RuntimeEvents();
    const a = metrics({}, eventsA);
    const b = metrics({}, new RuntimeEvents());
    await h.store().migrate();
    const created = { runId: 'r1', workflow: 'w', version: 1, idempotencyKey: null };
    eventsA.emit('run.created', created);
    const spend = { runId: 'r1', workflow: 'w', seq: 1, step: 's', kind: 'tool' as const, target: 't' };
    eventsA.emit('spend.recorded', { ...spend, usd: 0.25 });
    eventsA.emit('spend.recorded', { ...spend, usd: -1 });
    a.close();
    eventsA.emit('run.created', created);

    const scrapeA = parseScrape(await a.scrape());
    expect(scrapeA.value('vigil_runs_started_total', { workflow: 'w' })).toBe(1);
    expect(scrapeA.value('vigil_spend_usd_total', { workflow: 'w', kind: 'tool', target: 't' })).toBe(0.25);
    expect(parseScrape(await b.scrape()).samples('vigil_runs_started_total')).toEqual([]);
  });
});
