/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against a real
 * `vigil dev` child process serving a fresh build of it: log in, watch a run's timeline move
 * live, resolve its escalation from the inbox, replay a dead letter, start a run from the form
 * and see its step input, visit every screen — and no console error anywhere. Screenshots land in `test-artifacts/dashboard/`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEV_KEY_LINE, VigilProcess, eventually } from '../../runtime/test/helpers/processes.js';
import { CHROMIUM_ARGS, ensureChromium } from './chromium.js';

const DASHBOARD = fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/workflows.ts', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/dashboard/', import.meta.url));

let dir: string;
let dev: VigilProcess;
let url: string;
let key: string;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

const api = async <T>(path: string, body?: unknown): Promise<T> => {
  const res = await fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await res.json()) as T;
};
const runStatus = async (id: string) => (await api<{ status: string }>(`/v1/runs/${id}`)).status;
const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true });

beforeAll(async () => {
  const executablePath = ensureChromium();
  dir = mkdtempSync(join(tmpdir(), 'vigil-dashboard-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  const outDir = join(dir, 'dist');
  await build({ root: DASHBOARD, logLevel: 'warn', build: { outDir, emptyOutDir: true, sourcemap: false } });
  dev = new VigilProcess(['dev', '--port', '0', '--db', join(dir, 'vigil.db'), '--load', FIXTURES], {
    cwd: dir,
    env: { VIGIL_DASHBOARD_DIR: outDir },
  });
  url = (await dev.waitFor(/API\s+(http:\/\/127\.0\.0\.1:\d+)/))[1]!;
  key = (await dev.waitFor(DEV_KEY_LINE))[1]!;
  browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
  page.on('console', (message) => {
    // Chromium logs every non-2xx fetch as a console error: every route the dashboard calls exists.
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await dev?.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('the dashboard in Chromium against vigil dev', { timeout: 60_000 }, () => {
  it('asks for an API key, refuses a bad one, and shows who is logged in', async () => {
    await page.goto(url);
    await page.getByLabel('API key').fill('vgl_nothing_here');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/api key/i);
    // The refused key's 401 is the one console error expected.
    expect(consoleErrors).toEqual([expect.stringContaining('status of 401')]);
    consoleErrors.length = 0;
    await shot('login');
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Log in' }).click();
    const identity = page.getByTestId('identity');
    await identity.waitFor();
    expect(await identity.textContent()).toContain('admin');
    // The key is kept for the tab: a reload stays logged in.
    await page.reload();
    await identity.waitFor();
    // Nothing has happened on this deployment, so its stream sends no event; it is open all the
    // same, and the header says `live` (it said `connecting…` until the first change).
    expect(await page.locator('.stream').textContent({ timeout: 5_000 })).toMatch(/^(live|connecting…)$/);
    await page.locator('.stream-live').waitFor({ timeout: 5_000 });
  });

  it('shows a run it did not load yet, and its timeline moving live up to the escalation', async () => {
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    const { id } = await api<{ id: string }>('/v1/runs', {
      workflow: 'demo.discharge',
      input: { patientId: 'P-1001' },
    });
    const link = page.locator(`a[href="/runs/${id}"]`);
    await link.waitFor({ timeout: 15_000 });
    await link.click();
    // The summary step is seen running, then — without a reload — the run waits for the pharmacist.
    await page.locator('[data-testid="timeline-step"][data-step="summary"][data-status="running"]').waitFor();
    await page.getByTestId('run-escalation').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('progress').textContent()).toMatch(/2\/4/);
    await page.locator('[data-testid="timeline-step"][data-step="summary"]').click();
    await page.getByTestId('step-panel').waitFor();
    await shot('run-detail');
    expect(await runStatus(id)).toBe('waiting');
  });

  it('resolves the escalation from the inbox, and the run completes', async () => {
    await page.getByRole('link', { name: 'Inbox', exact: true }).click();
    const card = page.getByTestId('escalation').filter({ hasText: 'Warfarin' });
    await card.waitFor();
    await shot('inbox');
    const runHref = await card.locator('a[href^="/runs/"]').first().getAttribute('href');
    await card.getByRole('button', { name: 'provide' }).click();
    await card.getByLabel('Value').fill('{"approved": true}');
    await card.getByLabel('Note').fill('checked with the ward');
    await card.getByRole('button', { name: 'Provide this value' }).click();
    await page.getByText('Nothing is waiting for a human.').waitFor();
    const id = runHref!.slice('/runs/'.length);
    await eventually(
      async () => ((await runStatus(id)) === 'completed' ? true : undefined),
      15_000,
      'the run completed',
    );
    await page.goto(`${url}${runHref}`);
    await page.locator('.badge.status-completed').first().waitFor();
    expect(await page.getByLabel('Run output').textContent()).toContain('"discharged": true');
  });

  it('replays a dead letter from the dead-letter page', async () => {
    const gate = join(dir, 'billing-gate');
    const { id } = await api<{ id: string }>('/v1/runs', { workflow: 'demo.billing', input: { gate } });
    await eventually(async () => ((await runStatus(id)) === 'dead_lettered' ? true : undefined), 15_000, 'dead letter');
    await page.getByRole('link', { name: 'Dead letters', exact: true }).click();
    const group = page.getByTestId('dead-letter-group');
    await group.waitFor();
    expect(await group.textContent()).toContain('billing service unavailable');
    await shot('dead-letters');
    writeFileSync(gate, 'open');
    await group.getByTestId('dead-letter').getByRole('button', { name: 'Replay' }).click();
    await page.getByText('Replayed 1').waitFor();
    await eventually(async () => ((await runStatus(id)) === 'completed' ? true : undefined), 15_000, 'replayed run');
    await page.getByText('No dead letters waiting for a replay.').waitFor();
  });

  it('cancels selected runs from the run list', async () => {
    const { id } = await api<{ id: string }>('/v1/runs', {
      workflow: 'demo.discharge',
      input: { patientId: 'P-2002' },
    });
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByLabel(`Select ${id}`).check();
    await page.getByRole('button', { name: 'Cancel selected' }).click();
    await page.getByText('1 done').waitFor();
    expect(await runStatus(id)).toBe('cancelled');
    await page.locator(`tr:has(a[href="/runs/${id}"]) .badge.status-cancelled`).waitFor();
  });

  it('starts a run from the Runs page: a 422 names the field and keeps the input, then the run opens and moves live', async () => {
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByRole('button', { name: 'Start run' }).click();
    const form = page.getByRole('form', { name: 'Start run' });
    await form.getByLabel('Workflow to start').selectOption('demo.intake');
    // Prefilled from the workflow's input schema.
    const input = form.getByLabel('Run input');
    expect(JSON.parse(await input.inputValue())).toEqual({ patientId: '', ward: '' });

    await input.fill('{"patientId": 42, "ward": "B"}');
    await form.getByRole('button', { name: 'Start', exact: true }).click();
    const error = form.getByTestId('start-run-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('input.patientId');
    expect(await input.inputValue()).toBe('{"patientId": 42, "ward": "B"}');
    // The refused start's 422 is the one console error expected here.
    expect(consoleErrors).toEqual([expect.stringContaining('status of 422')]);
    consoleErrors.length = 0;
    await shot('start-run');

    await input.fill('{"patientId": "P-3003", "ward": "B"}');
    await form.getByLabel('Idempotency key').fill('intake-P-3003');
    await form.getByRole('button', { name: 'Start', exact: true }).click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    const id = page.url().slice(page.url().lastIndexOf('/') + 1);
    // Without a reload: the slow step is seen running, then done, and the run completes.
    await page.locator('[data-testid="timeline-step"][data-step="prepare"][data-status="running"]').waitFor();
    await page.locator('[data-testid="timeline-step"][data-step="admit"][data-status="completed"]').waitFor();
    await page.locator('.badge.status-completed').first().waitFor();
    expect(await runStatus(id)).toBe('completed');
    const run = await api<{ idempotencyKey: string; principal: string }>(`/v1/runs/${id}`);
    expect(run.idempotencyKey).toBe('intake-P-3003');

    // The tool call's input, its token redacted.
    await page.locator('[data-testid="timeline-step"][data-step="lookup"]').click();
    const stepInput = page.getByTestId('step-panel').getByLabel('Step input');
    await stepInput.waitFor();
    const shown = JSON.parse((await stepInput.textContent())!) as Record<string, unknown>;
    expect(shown).toEqual({ patientId: 'P-3003', ward: 'B', apiToken: '[redacted]' });
    await shot('step-input');
  });

  it('renders every other screen with its data or its empty state', async () => {
    const screens: Array<[string, string, string]> = [
      ['Overview', 'overview', 'Runs (24 h)'],
      ['Runs', 'runs', 'demo.discharge'],
      ['Schedules', 'schedules', 'No schedules'],
      ['Tools', 'tools', 'demo.billing:charge'],
      ['Spend', 'spend', 'Total'],
      ['Audit', 'audit', 'Chain verified'],
    ];
    for (const [link, name, text] of screens) {
      await page.getByRole('link', { name: link, exact: true }).click();
      await page.locator('main').getByText(text).filter({ visible: true }).first().waitFor();
      await shot(name);
    }
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('API key').waitFor();
  });

  it('shows a viewer its role and keeps the actions it may not take disabled', async () => {
    const { key: viewerKey } = await api<{ key: string }>('/v1/keys', { name: 'ward ops', role: 'viewer' });
    const { runs } = await api<{ runs: Array<{ id: string }> }>('/v1/runs?limit=1');
    const viewer = await browser.newPage({ viewport: { width: 1360, height: 860 } });
    viewer.on('pageerror', (error) => consoleErrors.push(`viewer page error: ${error.message}`));
    try {
      await viewer.goto(`${url}/runs/${runs[0]!.id}`);
      await viewer.getByLabel('API key').fill(viewerKey);
      await viewer.getByRole('button', { name: 'Log in' }).click();
      expect(await viewer.getByTestId('identity').textContent()).toContain('viewer');
      // The deep link survives the login: the run page is shown, its actions disabled.
      const replay = viewer.getByRole('button', { name: 'Replay', exact: true });
      await replay.waitFor();
      expect(await replay.isDisabled()).toBe(true);
      await viewer.getByRole('link', { name: 'Runs', exact: true }).click();
      const start = viewer.getByRole('button', { name: 'Start run' });
      await start.waitFor();
      expect(await start.isDisabled()).toBe(true);
      expect(await start.getAttribute('title')).toMatch(/cannot start runs/);
    } finally {
      await viewer.close();
    }
  });

  it('logged no console errors on any page', () => {
    expect(consoleErrors).toEqual([]);
  });
});
