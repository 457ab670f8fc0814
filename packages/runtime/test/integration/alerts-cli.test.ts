/** Alert rules from vigil.config: a bad rule stops start-up; a firing alert shows in the log and `vigil alerts list`. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { AlertView } from '../../src/runtime/alert-view.js';
import { DEV_KEY_LINE, VigilProcess, linkVigil, runCli } from '../helpers/processes.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-alerts-'));
  linkVigil(dir);
  writeFileSync(
    join(dir, 'flows.mjs'),
    `import { defineWorkflow, NonRetryableError } from 'vigil';
import { z } from 'zod';
export const failing = defineWorkflow({ name: 'alerts.failing', input: z.object({}) }, async (ctx) =>
  ctx.step('work', () => { throw new NonRetryableError('the ward system refused'); }));
`,
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const config = (rules: string) =>
  `import { failing } from './flows.mjs';\nexport default { workflows: [failing], alerts: { rules: ${rules}, interval: '1s' } };\n`;

describe('alerts from vigil.config', { timeout: 60_000 }, () => {
  it('refuses a bad rule at start-up, naming the field', async () => {
    writeFileSync(join(dir, 'vigil.config.mjs'), config(`[{ kind: 'success_rate', below: 2 }]`));
    const bad = await runCli(['worker', '--db', join(dir, 'v.db')], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('alerts.rules[0].below must be a fraction from 0 to 1; got 2');
    expect(bad.stderr).toContain('alert_rule_invalid');
  });

  it('logs a firing alert and lists it in `vigil alerts list`', async () => {
    writeFileSync(join(dir, 'vigil.config.mjs'), config(`[{ kind: 'success_rate', below: 0.5, minRuns: 1 }]`));
    const dev = new VigilProcess(['dev', '--port', '0', '--db', join(dir, 'v.db')], { cwd: dir });
    try {
      const url = (await dev.waitFor(/API\s+(http:\/\/127\.0\.0\.1:\d+)/))[1]!;
      const key = (await dev.waitFor(DEV_KEY_LINE))[1]!;
      const started = await fetch(`${url}/v1/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ workflow: 'alerts.failing', input: {} }),
      });
      expect(started.status).toBe(202);
      // pino's level 40 is warn.
      const [line] = await dev.waitFor(/\{[^\n]*alert firing[^\n]*\}/);
      expect(JSON.parse(line)).toMatchObject({ level: 40, alertId: 'success_rate:all', value: 0, threshold: 0.5 });

      const env = { VIGIL_API_KEY: key };
      const table = await runCli(['alerts', 'list', '--url', url], { cwd: dir, env });
      expect(table.code).toBe(0);
      expect(table.stdout).toMatch(/^ALERT\s+STATE\s+SINCE\s+RESOLVED\s+MESSAGE\n/);
      expect(table.stdout).toMatch(/success_rate:all\s+FIRING\s+\S+Z\s+-\s+Success rate 0% \(0 of 1 finished runs/);
      const json = await runCli(['alerts', 'list', '--url', url, '-o', 'json'], { cwd: dir, env });
      const { alerts } = JSON.parse(json.stdout) as { alerts: AlertView[] };
      expect(alerts).toMatchObject([{ id: 'success_rate:all', state: 'firing', rule: { kind: 'success_rate' } }]);
    } finally {
      await dev.kill();
    }
  });
});
