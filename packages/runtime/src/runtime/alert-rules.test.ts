import { afterEach, describe, expect, it } from 'vitest';

import { resolveAlertSettings } from './alert-options.js';
import { resolveAlertRules } from './alert-rules.js';

function problem(fn: () => unknown): { code: string; path: string; message: string } {
  try {
    fn();
  } catch (error) {
    return error as { code: string; path: string; message: string };
  }
  throw new Error('expected an error');
}

describe('alert rules', () => {
  afterEach(() => {
    delete process.env['VIGIL_ALERT_WEBHOOK_URL'];
    delete process.env['VIGIL_ALERT_INTERVAL'];
  });

  it('fills in defaults, ids and descriptions', () => {
    expect(
      resolveAlertRules([
        { kind: 'success_rate', workflow: 'patient.discharge', below: 0.9 },
        { kind: 'tool_failure_rate', tool: 'insurance.check', above: 0.5, window: '15m', minAttempts: 10 },
        { kind: 'dead_letters', above: 10, id: 'dlq' },
        { kind: 'stuck_runs', after: '10m' },
      ]),
    ).toEqual([
      expect.objectContaining({
        id: 'success_rate:patient.discharge',
        direction: 'below',
        threshold: 0.9,
        windowMs: 3_600_000,
        minSample: 5,
        description: 'success rate of patient.discharge below 90% over 1 h',
      }),
      expect.objectContaining({ id: 'tool_failure_rate:insurance.check', windowMs: 900_000, minSample: 10 }),
      expect.objectContaining({ id: 'dlq', windowMs: null, description: 'dead letters above 10' }),
      expect.objectContaining({ id: 'stuck_runs:all', threshold: 0, windowMs: 600_000 }),
    ]);
  });

  it.each([
    [[{ kind: 'success_rate' }], 'alerts.rules[0].below', 'must be a fraction from 0 to 1'],
    [[{ kind: 'escalation_rate', above: -1 }], 'alerts.rules[0].above', 'must be a fraction'],
    [[{ kind: 'tool_failure_rate', above: 0.5 }], 'alerts.rules[0].tool', 'must be a non-empty string'],
    [[{ kind: 'stuck_runs', after: 'soon' }], 'alerts.rules[0].after', "a string like '250ms'"],
    [
      [{ kind: 'stuck_runs', after: '10m', window: '1h' }],
      'alerts.rules[0].window',
      'is not an option of a stuck_runs',
    ],
    [
      [
        { kind: 'dead_letters', above: 1 },
        { kind: 'dead_letters', above: 5 },
      ],
      'alerts.rules[1].id',
      'Two alert rules',
    ],
    [[{ kind: 'success_rate', below: 0.5, minRuns: 0 }], 'alerts.rules[0].minRuns', 'positive integer'],
    ['all', 'alerts.rules', 'must be an array'],
  ])('refuses %j at %s', (rules, path, words) => {
    const error = problem(() => resolveAlertRules(rules));
    expect(error).toMatchObject({ code: 'alert_rule_invalid', path });
    expect(error.message).toContain(words);
  });

  it('reads the webhook and interval from the environment, and wants a secret with a URL', () => {
    process.env['VIGIL_ALERT_WEBHOOK_URL'] = 'https://ops.example/hooks';
    expect(problem(() => resolveAlertSettings({}))).toMatchObject({
      code: 'alert_rule_invalid',
      path: 'VIGIL_ALERT_WEBHOOK_SECRET',
    });
    process.env['VIGIL_ALERT_INTERVAL'] = '500ms';
    expect(problem(() => resolveAlertSettings({ webhook: { url: 'https://x.example', secret: 's' } }))).toMatchObject({
      path: 'VIGIL_ALERT_INTERVAL',
    });
    process.env['VIGIL_ALERT_INTERVAL'] = '1m';
    expect(resolveAlertSettings({ webhook: { url: 'https://x.example', secret: 's' } })).toMatchObject({
      intervalMs: 60_000,
      webhook: { url: 'https://x.example', secret: 's' },
    });
  });
});
