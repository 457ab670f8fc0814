/**
 * The operator's path through the CLI against `vigil dev`: tools, the escalation inbox, the
 * dead-letter queue and circuit breakers, in tables and in JSON.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { DeadLetterView, EscalationView } from '../../src/runtime/operator-views.js';
import type { RunDetails } from '../../src/runtime/run-view.js';
import { DevServer } from '../helpers/dev-server.js';
import { eventually } from '../helpers/processes.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/operator-workflows.ts', import.meta.url));

let dev: DevServer;

const cli = (...args: string[]) => dev.cli(...args);
/** The API straight, to set up and to wait: a CLI process per poll would cost a second each. */
const api = <T>(path: string, body?: unknown) => dev.api<T>(path, body);
const start = async (workflow: string, input: unknown) =>
  (await api<{ id: string }>('/v1/runs', { workflow, input })).id;
const runsReach = (ids: string[], status: string) =>
  eventually(
    async () => {
      const runs = await Promise.all(ids.map((id) => api<RunDetails>(`/v1/runs/${id}`)));
      return runs.every((run) => run.status === status) ? runs : undefined;
    },
    15_000,
    `runs ${status}`,
  );

beforeAll(async () => {
  dev = await DevServer.start('vigil-operator-', FIXTURES);
});
afterAll(() => dev.close());

describe('operator CLI against vigil dev', { timeout: 60_000 }, () => {
  it('lists tools, shows an escalation and resolves it with a value from a file', async () => {
    const runId = await start('test.approval', { dose: 900, reviewer: 'pharmacist' });
    const escalation = await eventually(
      async () => (await api<{ escalations: EscalationView[] }>(`/v1/escalations?runId=${runId}`)).escalations[0],
      15_000,
      'the escalation',
    );
    const [tools, table, shown, noValue] = await Promise.all([
      cli('tools', 'list'),
      cli('escalations', 'list', '--assignee', 'pharmacist'),
      cli('escalations', 'show', escalation.id),
      cli('escalations', 'resolve', escalation.id, '--decision', 'provide'),
    ]);
    expect(tools.stdout).toMatch(/test\.gate:open\s+1\s+10s\s+1\s+1 fails, 1h\s+fail\s+idempotent\s+Passes once/);
    expect(table.stdout).toMatch(new RegExp(`${escalation.id}\\s+open\\s+pharmacist\\s+test\\.approval\\s+review`));
    expect(shown.stdout).toMatch(/Reason\s+Dose of 900 mg is above the limit/);
    expect(shown.stdout).toMatch(/Summary\s+The patient weighs 40 kg/);
    expect(shown.stdout).toMatch(/Status\s+open \(the run waits for a decision\)/);
    expect(shown.stdout).toMatch(/Timeout\s+59m \d+s left/);
    expect(shown.stdout).toMatch(/Completed steps\s+prescribe/);
    expect(noValue.code).toBe(1);
    expect(noValue.stderr).toContain('--decision provide needs --value');

    writeFileSync(join(dev.dir, 'dose.json'), '{"dose":450}');
    const resolved = await cli(
      'escalations',
      'resolve',
      escalation.id,
      '--decision',
      'provide',
      '--value',
      '@dose.json',
    );
    expect(resolved.stdout).toBe(`Escalation ${escalation.id} resolved: provide; run ${runId} resumes\n`);
    const [run] = await runsReach([runId], 'completed');
    expect(run!.output).toEqual({ dose: 450, decision: 'provide' });
    const again = await cli('escalations', 'resolve', escalation.id, '--decision', 'skip', '-o', 'json');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('[escalation_not_open]');
  });

  it('replays the dead-letter queue: usage errors, failures that do not stop the rest, then all of it', async () => {
    const gate = join(dev.dir, 'gate');
    const ids = await Promise.all([1, 2].map(() => start('test.gated', { gate })));
    await runsReach(ids, 'dead_lettered');

    const [list, breakers, both, neither] = await Promise.all([
      cli('dlq', 'list', '--workflow', 'test.gated'),
      cli('breakers', 'list'),
      cli('dlq', 'replay', 'some-id', '--all'),
      cli('dlq', 'replay'),
    ]);
    // Both failed at step #2: on the closed gate, or (when the first failure opened the breaker
    // before the other's attempt) on the open breaker.
    expect(list.stdout.match(/^\S+\s+test\.gated@1\s+#2 open\s+\S+\s+-\s+Step "open" failed: /gm)).toHaveLength(2);
    expect(breakers.stdout).toMatch(/test\.gate:open\s+test\.gate:open\s+open\s+1\s/);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('not both');
    expect(neither.code).toBe(1);
    expect(neither.stderr).toContain('a dead letter id, --all, or --workflow');

    const failing = await cli('dlq', 'replay', '--all', '--from-step', 'nope');
    expect(failing.code).toBe(1);
    expect(failing.stderr.match(/\[step_not_found\]/g)).toHaveLength(2);
    expect(failing.stdout).toContain('Replayed 0 of 2 dead letters; 2 failed');

    writeFileSync(gate, '');
    const reset = await cli('breakers', 'reset', 'test.gate:open');
    expect(reset.stdout).toBe('Breaker test.gate:open is closed\n');
    const replayed = await cli('dlq', 'replay', '--workflow', 'test.gated');
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.stdout.match(/^Replayed dead letter \S+: run \S+ resumes from step #2$/gm)).toHaveLength(2);
    expect(replayed.stdout).toContain('Replayed 2 of 2 dead letters');
    await runsReach(ids, 'completed');
    const history = JSON.parse((await cli('dlq', 'list', '--all-history', '-o', 'json')).stdout) as {
      deadLetters: DeadLetterView[];
    };
    expect(history.deadLetters.map((d) => d.replayRunId).sort()).toEqual([...ids].sort());
  });
});
