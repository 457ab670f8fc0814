import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { recordChaosEffect } from './chaos-effect.js';
import { countDuplicates, startLedger, type ChaosLedger } from './ledger.js';
import { CHAOS_LEDGER_ENV } from './scenario-run.js';

let dir: string;
let ledger: ChaosLedger;
let env: Record<string, string>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-chaos-effect-'));
  ledger = await startLedger(join(dir, 'ledger.jsonl'), dir);
  env = { [CHAOS_LEDGER_ENV]: ledger.url };
});
afterAll(async () => {
  await ledger.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('makes an effect once per idempotency key, even when two workers ask at the same moment', async () => {
  const order = { effect: 'pharmacy.order-placed', subject: 'run_a', idempotencyKey: 'run_a:3' };
  const made = await Promise.all([recordChaosEffect(order, env), recordChaosEffect(order, env)]);
  expect(made.sort()).toEqual([false, true]);
  expect(await recordChaosEffect(order, env)).toBe(false);

  const records = (await ledger.records()).filter((r) => r.tool === 'pharmacy.order-placed');
  expect(records.map((r) => [r.key, r.runId])).toEqual([['run_a', 'run_a']]);
  // Appended to the file before the answer, for whoever reads the ledger after the workers die.
  expect(readFileSync(join(dir, 'ledger.jsonl'), 'utf8')).toContain('"idempotencyKey":"run_a:3"');
});

it('counts the same effect for one subject under a new key as a duplicate', async () => {
  const first = { effect: 'notify.sms-sent', subject: 'run_b', idempotencyKey: 'run_b:5' };
  expect(await recordChaosEffect(first, env)).toBe(true);
  // A re-execution that lost its key would make the effect again: the ledger sees it twice.
  expect(await recordChaosEffect({ ...first, idempotencyKey: 'run_b:6' }, env)).toBe(true);
  const records = (await ledger.records()).filter((r) => r.tool === 'notify.sms-sent');
  expect(countDuplicates(records)).toEqual({ duplicates: 1, redeliveries: 0 });
});

it('sends nothing without a ledger; the ledger refuses an effect without its keys', async () => {
  expect(await recordChaosEffect({ effect: 'x', subject: 's', idempotencyKey: 'k' }, {})).toBe(true);
  const refused = fetch(`${ledger.url}/effect`, { method: 'POST', body: '{"tool":"x"}' });
  expect((await refused).status).toBe(400);
});
