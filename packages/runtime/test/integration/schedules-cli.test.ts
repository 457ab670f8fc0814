/**
 * `vigil schedules` against `vigil dev`: add a schedule and watch it fire, list, show, run one
 * now, pause, resume and remove it, in tables and in JSON; and the refusals a user meets.
 */
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ScheduleView } from '../../src/runtime/operator-views.js';
import type { RunSummary } from '../../src/runtime/run-view.js';
import { DevServer } from '../helpers/dev-server.js';
import { eventually, sleep } from '../helpers/processes.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/schedule-workflows.ts', import.meta.url));

let dev: DevServer;

const cli = (...args: string[]) => dev.cli(...args);
/** The runs schedule `id` started, by the slot (or `manual:<time>`) in their idempotency keys. */
const runsOf = async (id: string): Promise<string[]> => {
  const { runs } = await dev.api<{ runs: RunSummary[] }>('/v1/runs?workflow=test.tick&limit=500');
  const prefix = `schedule:${id}:`;
  return runs.flatMap((run) =>
    run.idempotencyKey?.startsWith(prefix) ? [run.idempotencyKey.slice(prefix.length)] : [],
  );
};

beforeAll(async () => {
  dev = await DevServer.start('vigil-schedules-', FIXTURES);
  await dev.process.waitFor(/scheduler started/);
});
afterAll(() => dev.close());

describe('vigil schedules against vigil dev', { timeout: 60_000 }, () => {
  it('adds a schedule and it fires; lists, shows, triggers, pauses, resumes and removes it', async () => {
    const added = await cli(
      'schedules',
      'add',
      '--workflow',
      'test.tick',
      '--cron',
      '* * * * * *',
      '--id',
      'every-second',
      '--catch-up',
      'all',
      '--overlap',
      'allow',
      '--input',
      '{"note":"from the cli"}',
    );
    expect(added.stderr).toBe('');
    expect(added.stdout).toMatch(
      /^Added schedule every-second: test\.tick at "\* \* \* \* \* \*" \(UTC\); next run at \d{4}-\d\d-\d\dT[\d:.]+Z\n$/,
    );
    const fired = await eventually(async () => ((await runsOf('every-second')).length >= 2 ? true : undefined), 15_000);
    expect(fired).toBe(true);

    const [list, shown, json] = await Promise.all([
      cli('schedules', 'list'),
      cli('schedules', 'show', 'every-second'),
      cli('schedules', 'list', '--workflow', 'test.tick', '-o', 'json'),
    ]);
    expect(list.stdout).toMatch(/^ID\s+WORKFLOW\s+CRON\s+TIMEZONE\s+STATE\s+NEXT RUN\s+LAST SLOT\s+FROM$/m);
    expect(list.stdout).toMatch(/^every-second\s+test\.tick\s+\* \* \* \* \* \*\s+UTC\s+active\s+\S+\s+\S+\s+api$/m);
    expect(list.stdout).toMatch(
      /^test\.yearly\s+test\.yearly\s+@yearly\s+Europe\/Berlin\s+active\s+\S+\s+-\s+workflow$/m,
    );
    expect(shown.stdout).toMatch(/^Schedule\s+every-second \(added through the API\)$/m);
    expect(shown.stdout).toMatch(/^Catch-up\s+all within 1d$/m);
    expect(shown.stdout).toMatch(/^Input\s+\{"note":"from the cli"\}$/m);
    expect(shown.stdout).toMatch(/^Last slot\s+\S+Z, run [0-9a-f-]{36}$/m);
    const listed = JSON.parse(json.stdout) as { schedules: ScheduleView[] };
    expect(listed.schedules.map((s) => s.id)).toEqual(['every-second']);

    const triggered = await cli('schedules', 'trigger', 'every-second');
    expect(triggered.stdout).toMatch(/^Started run [0-9a-f-]{36} from schedule every-second\n$/);
    expect((await runsOf('every-second')).some((slot) => slot.startsWith('manual:'))).toBe(true);

    const paused = await cli('schedules', 'pause', 'every-second');
    expect(paused.stdout).toBe('Paused schedule every-second\n');
    // A pass that claimed it just before the pause may still fire its slot; after that, nothing.
    await sleep(1500);
    const whilePaused = (await runsOf('every-second')).length;
    await sleep(2000);
    expect((await runsOf('every-second')).length).toBe(whilePaused);

    const resumed = JSON.parse((await cli('schedules', 'resume', 'every-second', '-o', 'json')).stdout) as ScheduleView;
    expect(resumed).toMatchObject({ id: 'every-second', paused: false });
    await eventually(async () => ((await runsOf('every-second')).length > whilePaused ? true : undefined), 15_000);

    const removed = await cli('schedules', 'remove', 'every-second');
    expect(removed.stdout).toBe('Removed schedule every-second\n');
    const gone = await cli('schedules', 'show', 'every-second');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('[schedule_not_found]');
  });

  it('says what is wrong: a bad expression, an unknown workflow, a declared schedule', async () => {
    const [badCron, badZone, unknown, declared, missing] = await Promise.all([
      cli('schedules', 'add', '--workflow', 'test.tick', '--cron', '61 * * * *'),
      cli('schedules', 'add', '--workflow', 'test.tick', '--cron', '0 * * * *', '--timezone', 'Mars/Olympus'),
      cli('schedules', 'add', '--workflow', 'test.nope', '--cron', '0 * * * *'),
      cli('schedules', 'remove', 'test.yearly'),
      cli('schedules', 'add', '--workflow', 'test.tick'),
    ]);
    expect(badCron.code).toBe(1);
    expect(badCron.stderr).toMatch(
      /cron: "61 \* \* \* \*" is not a valid cron expression: .*61 \(at cron\) \[invalid_argument\]/,
    );
    expect(badZone.stderr).toMatch(/timezone: "Mars\/Olympus" is not an IANA time zone.*\[invalid_argument\]/);
    expect(unknown.stderr).toContain('[workflow_not_found]');
    expect(declared.stderr).toContain('remove `schedule` from its definition');
    expect(declared.stderr).toContain('[schedule_declared]');
    expect(missing.stderr).toContain("required option '--cron <expression>' not specified");
  });
});
