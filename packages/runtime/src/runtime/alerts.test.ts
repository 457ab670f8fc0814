import { createServer, type Server } from 'node:http';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, gate, type Dialect } from '../../test/helpers/harness.js';
import { httpApp } from '../../test/helpers/http-app.js';
import { createVigil, type Vigil } from '../compose.js';
import { isTerminalStatus } from '../core/run-status.js';
import { NonRetryableError } from '../core/errors.js';
import { verifyWebhookSignature } from '../core/webhook-signature.js';
import { defineWorkflow } from '../core/workflow.js';
import { Input, scriptedTool } from '../../test/fixtures/tools.js';
import type { AlertEventPayload } from './events.js';
import type { AlertView } from './alert-view.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

interface Delivery {
  headers: Record<string, string>;
  body: string;
}

describe.each(DIALECTS)('alerts on %s', (dialect: Dialect) => {
  let h: Harness;
  let server: Server;
  let url: string;
  const deliveries: Delivery[] = [];

  beforeEach(async () => {
    h = new Harness(dialect);
    deliveries.length = 0;
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        deliveries.push({ headers: req.headers as Record<string, string>, body });
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks/alerts`;
  });
  afterEach(async () => {
    await h.cleanup();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Every `alert.*` event any of `instances` emitted. */
  function recordAlerts(instances: Vigil[]): Array<[string, AlertEventPayload]> {
    const seen: Array<[string, AlertEventPayload]> = [];
    for (const vigil of instances) {
      vigil.events.on('alert.fired', (e) => seen.push(['alert.fired', e]));
      vigil.events.on('alert.resolved', (e) => seen.push(['alert.resolved', e]));
    }
    return seen;
  }

  function verified(d: Delivery): { type: string; alert: AlertView } {
    const ok = verifyWebhookSignature(
      [SECRET],
      d.headers['webhook-id']!,
      Number(d.headers['webhook-timestamp']),
      d.body,
      d.headers['webhook-signature']!,
    );
    expect(ok).toBe(true);
    return JSON.parse(d.body) as { type: string; alert: AlertView };
  }

  it('fires once when the success rate drops, even with two instances evaluating, and resolves once on recovery', async () => {
    const wf = defineWorkflow({ name: 'alerting.flow', input: z.object({ fail: z.boolean() }) }, async (ctx, input) =>
      ctx.step('work', () => {
        if (input.fail) throw new NonRetryableError('the ward system refused');
        return 'done';
      }),
    );
    const alerts = {
      rules: [{ kind: 'success_rate' as const, below: 0.5, window: '1h' as const, minRuns: 3 }],
      webhook: { url, secret: SECRET },
      interval: '10s' as const,
    };
    const options = { worker: { pollMs: 60_000 }, alerts, notifications: { pollMs: 500 } };
    const [a, b] = [h.vigil([wf], options), h.vigil([wf], options)];
    const seen = recordAlerts([a, b]);
    const finish = async (fail: boolean, n: number): Promise<void> => {
      const ids = await Promise.all(Array.from({ length: n }, () => a.start(wf, { fail }).then((r) => r.id)));
      await h.until(async () => {
        const runs = await Promise.all(ids.map((id) => a.getRun(id)));
        return runs.every((run) => run !== null && isTerminalStatus(run.status));
      });
    };

    await finish(false, 1);
    await finish(true, 3);
    await h.until(() => deliveries.length >= 1, { stepMs: 500 });
    // Both instances go on evaluating: nothing fires again.
    await h.until(() => false, { stepMs: 5_000, maxMs: 60_000 }).catch(() => undefined);
    expect(seen.map(([type]) => type)).toEqual(['alert.fired']);
    expect(seen[0]![1]).toMatchObject({
      alertId: 'success_rate:all',
      kind: 'success_rate',
      value: 0.25,
      threshold: 0.5,
    });
    expect(deliveries).toHaveLength(1);
    const fired = verified(deliveries[0]!);
    expect(fired).toMatchObject({
      type: 'alert.fired',
      alert: { id: 'success_rate:all', state: 'firing', value: 0.25, threshold: 0.5, resolvedAt: null },
    });
    expect(fired.alert.message).toContain('Success rate 25% (1 of 4 finished runs over 1 h)');

    const api = httpApp(b);
    const listed = await api<{ alerts: AlertView[] }>('GET', '/v1/alerts');
    expect(listed.status).toBe(200);
    expect(listed.body.alerts).toEqual([
      expect.objectContaining({
        id: 'success_rate:all',
        state: 'firing',
        rule: { kind: 'success_rate', description: 'success rate below 50% over 1 h', workflow: null, tool: null },
        since: fired.alert.since,
        threshold: 0.5,
      }),
    ]);

    await finish(false, 4);
    await h.until(() => deliveries.length >= 2, { stepMs: 500 });
    await h.until(() => false, { stepMs: 5_000, maxMs: 60_000 }).catch(() => undefined);
    expect(seen.map(([type]) => type)).toEqual(['alert.fired', 'alert.resolved']);
    expect(deliveries).toHaveLength(2);
    const resolved = verified(deliveries[1]!);
    expect(resolved).toMatchObject({ type: 'alert.resolved', alert: { state: 'resolved' } });
    expect(resolved.alert.value).toBeGreaterThanOrEqual(0.5);
    expect(resolved.alert.since).toBe(fired.alert.since);
    const after = (await api<{ alerts: AlertView[] }>('GET', '/v1/alerts')).body.alerts;
    expect(after).toMatchObject([{ id: 'success_rate:all', state: 'resolved', resolvedAt: resolved.alert.resolvedAt }]);
    // Audited: the transition is in the trail.
    await a.audit.flush();
    await b.audit.flush();
    const trail = await a.audit.list({ limit: 500 });
    expect(trail.entries.filter((e) => e.type.startsWith('alert.')).map((e) => e.type)).toEqual([
      'alert.fired',
      'alert.resolved',
    ]);
  });

  it('detects a run that has made no step change for too long, and resolves when it moves', async () => {
    const held = gate<string>();
    const wf = defineWorkflow({ name: 'alerting.stuck', input: z.object({}) }, async (ctx) => {
      const value = await ctx.step('hangs', () => held.promise);
      return ctx.step('after', () => value);
    });
    const vigil = h.vigil([wf], {
      worker: { pollMs: 60_000 },
      alerts: { rules: [{ kind: 'stuck_runs', after: '5m' }], interval: '30s' },
    });
    const seen = recordAlerts([vigil]);
    const { id } = await vigil.start(wf, {});
    await h.until(async () => (await vigil.getRun(id))?.steps.length === 1, { stepMs: 10 });
    await h.until(() => seen.length === 1, { stepMs: 2_000, maxMs: 600_000 });
    expect(seen[0]).toEqual([
      'alert.fired',
      expect.objectContaining({ alertId: 'stuck_runs:all', value: 1, threshold: 0 }),
    ]);
    expect(seen[0]![1].message).toContain(id);
    held.open('moved');
    expect(await h.result(vigil, id)).toBe('moved');
    await h.until(() => seen.length === 2, { stepMs: 2_000, maxMs: 120_000 });
    expect(seen[1]![0]).toBe('alert.resolved');
  });
});

describe.each(DIALECTS)('alert rules over tools, escalations and dead letters on %s', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(() => h.cleanup());

  it("fires on a tool's failure rate, the escalation rate and dead letters, and resolves when the letter is replayed", async () => {
    const { tool } = scriptedTool('insurance.check', [new Error('502 from insurer')]);
    const failing = defineWorkflow({ name: 'alerting.tool', input: Input }, async (ctx, input) =>
      ctx.tool(tool, { patientId: input.patientId }),
    );
    const escalating = defineWorkflow({ name: 'alerting.escalating', input: Input }, async (ctx) => {
      await ctx.escalate({ reason: 'dose looks high', blocking: false });
      return 'ok';
    });
    const vigil = h.vigil([failing, escalating], {
      worker: { pollMs: 60_000 },
      alerts: {
        rules: [
          { kind: 'tool_failure_rate', tool: 'insurance.check', above: 0.5, minAttempts: 3 },
          { kind: 'escalation_rate', above: 0.4, minRuns: 2 },
          { kind: 'dead_letters', above: 0, id: 'dlq' },
        ],
        // The loop evaluates once at start-up, then not within this test: it calls evaluate() itself.
        interval: '1h',
      },
    });
    const bad = await vigil.start(failing, { patientId: 'P-1' });
    const good = await vigil.start(escalating, { patientId: 'P-2' });
    for (const id of [bad.id, good.id]) {
      await h.until(async () => isTerminalStatus((await vigil.getRun(id))!.status), { stepMs: 500 });
    }
    const fired = await vigil.alerts.evaluate();
    expect(fired.map((t) => [t.type, t.alert.id, t.alert.value])).toEqual([
      ['alert.fired', 'tool_failure_rate:insurance.check', 1],
      ['alert.fired', 'escalation_rate:all', 0.5],
      ['alert.fired', 'dlq', 1],
    ]);
    expect(fired[0]!.alert.message).toBe(
      'Tool insurance.check failed 100% of its attempts (3 of 3 over 1 h); threshold 50%',
    );
    expect(await vigil.alerts.evaluate()).toEqual([]);
    const [letter] = (await vigil.deadLetters.list()).deadLetters;
    await vigil.deadLetters.replay(letter!.id);
    // Replayed in place from its first step, the run's failed tool call is no longer on record
    // (its next attempts will be), so the tool's rate resolves with the dead letter.
    const resolved = await vigil.alerts.evaluate();
    expect(resolved.map((t) => [t.type, t.alert.id, t.alert.value])).toEqual([
      ['alert.resolved', 'tool_failure_rate:insurance.check', 0],
      ['alert.resolved', 'dlq', 0],
    ]);
  });
});

describe('alert rule configuration', () => {
  it('refuses a bad rule at construction with its path, opening nothing', () => {
    const make = (rules: unknown) => () => createVigil({ database: ':memory:', alerts: { rules: rules as never } });
    expect(make([{ kind: 'success_rate', below: 1.5 }])).toThrow(
      expect.objectContaining({ code: 'alert_rule_invalid', path: 'alerts.rules[0].below' }),
    );
    expect(make([{ kind: 'queue_depth', above: 3 }])).toThrow(
      expect.objectContaining({ code: 'alert_rule_invalid', path: 'alerts.rules[0].kind' }),
    );
  });
});
