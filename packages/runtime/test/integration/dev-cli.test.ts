/**
 * The user's path through the CLI: `vigil dev`, `vigil start`, `vigil runs …`, a `kill -9` in
 * the middle of a run and a restart.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RunDetails } from '../../src/runtime/run-view.js';
import { DEV_KEY_LINE, FIXTURES, VigilProcess, eventually, readLedger, runCli } from '../helpers/processes.js';

let dir: string;
let db: string;
let ledger: string;
let dev: VigilProcess;
let url: string;
/** The admin key the running `vigil dev` printed: a new one at each start. */
let key: string;

async function startDev(): Promise<void> {
  dev = new VigilProcess(['dev', '--port', '0', '--db', db, '--load', FIXTURES, '--lease-ttl', '1500'], { cwd: dir });
  url = (await dev.waitFor(/API\s+(http:\/\/127\.0\.0\.1:\d+)/))[1]!;
  key = (await dev.waitFor(DEV_KEY_LINE))[1]!;
}

const cli = (...args: string[]) => runCli([...args, '--url', url], { cwd: dir, env: { VIGIL_API_KEY: key } });
const show = async (id: string): Promise<RunDetails> =>
  JSON.parse((await cli('runs', 'show', id, '-o', 'json')).stdout) as RunDetails;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
  db = join(dir, 'vigil.db');
  ledger = join(dir, 'ledger.jsonl');
  await startDev();
});
afterAll(async () => {
  await dev.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('vigil CLI against vigil dev', { timeout: 90_000 }, () => {
  it('survives kill -9 mid-run: the run completes and no finished step runs again', async () => {
    expect(dev.stdout).toContain('Vigil dev is running');
    expect(dev.stdout).toContain(`sqlite ${db} (WAL, synchronous=FULL)`);
    const started = await cli(
      'start',
      'test.chain',
      '--input',
      JSON.stringify({ steps: 8, stepMs: 300, ledger }),
      '-o',
      'json',
    );
    expect(started.code).toBe(0);
    const { id } = JSON.parse(started.stdout) as { id: string };

    await eventually(() => (readLedger(ledger).length >= 3 ? true : undefined), 20_000, 'three steps');
    await dev.kill('SIGKILL');
    await startDev();

    const run = await eventually(async () => {
      const current = await show(id);
      return current.status === 'completed' ? current : undefined;
    }, 30_000);
    const executions = readLedger(ledger).filter((l) => l.runId === id);
    const perStep = new Map<string, number>();
    for (const line of executions) perStep.set(line.step, (perStep.get(line.step) ?? 0) + 1);
    const repeated = [...perStep.entries()].filter(([, n]) => n > 1);
    expect(repeated.length).toBeLessThanOrEqual(1);
    for (const step of run.steps) expect(step.attempts).toBe(perStep.get(step.name));

    const human = await cli('runs', 'show', id);
    expect(human.stdout).toMatch(/Status\s+completed/);
    // Started with the dev key: the run names it.
    expect(human.stdout).toMatch(/By\s+key:[0-9a-f]{12}/);
    expect(human.stdout).toMatch(/step-8\s+step\s+completed\s+1/);
  });

  it('sleeps across a restart, and --idempotency-key with --wait follows the same run to its end', async () => {
    const input = JSON.stringify({ sleepMs: 2500, ledger });
    const first = await cli(
      'start',
      'test.napper',
      '--input',
      input,
      '--idempotency-key',
      'nap-1',
      '--priority',
      '30',
      '-o',
      'json',
    );
    const { id } = JSON.parse(first.stdout) as { id: string };
    await eventually(async () => ((await show(id)).status === 'sleeping' ? true : undefined), 20_000);
    await dev.kill('SIGKILL');
    const before = key;
    await startDev();
    // Each start makes a new key, writes it beside the database for its owner only, and revokes the last one.
    expect(key).not.toBe(before);
    expect(readFileSync(join(dir, 'dev-api-key'), 'utf8')).toBe(`${key}\n`);
    expect(statSync(join(dir, 'dev-api-key')).mode & 0o777).toBe(0o600);
    const stale = await runCli(['runs', 'list', '--url', url], { cwd: dir, env: { VIGIL_API_KEY: before } });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/revoked.*Set VIGIL_API_KEY.*\[api_key_revoked\]/);

    const waited = await cli(
      'start',
      'test.napper',
      '--input',
      input,
      '--idempotency-key',
      'nap-1',
      '--wait',
      '-o',
      'json',
    );
    expect(waited.code).toBe(0);
    const run = JSON.parse(waited.stdout) as RunDetails;
    expect(run).toMatchObject({ id, status: 'completed', output: true, priority: 30 });
    expect(run.steps.map((s) => [s.name, s.kind, s.attempts])).toEqual([
      ['before', 'step', 1],
      ['nap', 'sleep', 1],
      ['after', 'step', 1],
    ]);
  });

  it('explains bad input, unknown workflows and a server that is not there, with exit code 1', async () => {
    const invalid = await cli('start', 'test.chain', '--input', '{"steps":0,"stepMs":1,"ledger":"x"}');
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/input\.steps.*\[input_invalid\]/);
    const notJson = await cli('start', 'test.chain', '--input', '{steps:1}');
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toContain('--input is not valid JSON');
    const urgent = await cli(
      'start',
      'test.chain',
      '--input',
      '{"steps":1,"stepMs":1,"ledger":"x"}',
      '--priority',
      '601',
    );
    expect(urgent.code).toBe(1);
    expect(urgent.stderr).toMatch(/priority must be an integer number of seconds from 0 to 600.*\(at priority\)/);
    const unknown = await cli('start', 'no.such.flow');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('[workflow_not_found]');
    // No key at all (none set, no .vigil/dev-api-key here): the message says which variable to set.
    const keyless = await runCli(['runs', 'list', '--url', url], { cwd: dir, env: { VIGIL_API_KEY: '' } });
    expect(keyless.code).toBe(1);
    expect(keyless.stderr).toMatch(/needs an API key.*Set VIGIL_API_KEY.*\[api_key_missing\]/);
    const away = await runCli(['runs', 'list', '--url', 'http://127.0.0.1:9'], { cwd: dir });
    expect(away.code).toBe(1);
    expect(away.stderr).toMatch(/Cannot reach Vigil at http:\/\/127\.0\.0\.1:9.*--url or VIGIL_URL/);
  });

  it('lists and cancels runs', async () => {
    const started = await cli(
      'start',
      'test.chain',
      '--input',
      JSON.stringify({ steps: 50, stepMs: 500, ledger }),
      '-o',
      'json',
    );
    const { id } = JSON.parse(started.stdout) as { id: string };
    const listed = JSON.parse((await cli('runs', 'list', '--workflow', 'test.chain', '-o', 'json')).stdout) as {
      runs: Array<{ id: string }>;
    };
    expect(listed.runs.map((r) => r.id)).toContain(id);
    const cancelled = await cli('runs', 'cancel', id);
    expect(cancelled.stdout).toBe(`Run ${id} is cancelled\n`);
    expect((await show(id)).status).toBe('cancelled');
    const table = await cli('runs', 'list', '--status', 'cancelled');
    expect(table.stdout).toMatch(new RegExp(`${id}\\s+test\\.chain@1\\s+cancelled`));
  });
});
