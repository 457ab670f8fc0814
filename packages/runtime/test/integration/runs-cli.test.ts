/**
 * `vigil runs replay` and the run list's filters from the CLI, against `vigil dev` in a child
 * process; step executions are counted in the workflows' own ledger file.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RunDetails } from '../../src/runtime/run-view.js';
import { DevServer } from '../helpers/dev-server.js';
import { eventually, readLedger } from '../helpers/processes.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/workflows.ts', import.meta.url));

let dev: DevServer;

const cli = (...args: string[]) => dev.cli(...args);
const api = <T>(path: string, body?: unknown) => dev.api<T>(path, body);
const completed = (id: string) =>
  eventually(
    async () => {
      const run = await api<RunDetails>(`/v1/runs/${id}`);
      return run.status === 'completed' ? run : undefined;
    },
    15_000,
    `run ${id} completed`,
  );
const executions = (ledger: string) => readLedger(ledger).map((line) => line.step);

beforeAll(async () => {
  dev = await DevServer.start('vigil-runs-cli-', FIXTURES);
});
afterAll(() => dev.close());

describe('vigil runs replay and list filters against vigil dev', { timeout: 60_000 }, () => {
  it('replays a run from a step: earlier steps keep their results, the rest execute again', async () => {
    const ledger = join(dev.dir, 'chain.ledger');
    const { id } = await api<{ id: string }>('/v1/runs', {
      workflow: 'test.chain',
      input: { steps: 3, stepMs: 0, ledger },
    });
    const original = await completed(id);
    expect(executions(ledger)).toEqual(['step-1', 'step-2', 'step-3']);
    const seq = original.steps.find((s) => s.name === 'step-3')!.seq;

    const replayed = await cli('runs', 'replay', id, '--from-seq', String(seq), '-o', 'json');
    expect(replayed.stderr).toBe('');
    expect(replayed.code).toBe(0);
    const result = JSON.parse(replayed.stdout) as { id: string; replayOf: string; fromSeq: number };
    expect(result).toMatchObject({ replayOf: id, fromSeq: seq });
    const replay = await completed(result.id);
    expect(executions(ledger)).toEqual(['step-1', 'step-2', 'step-3', 'step-3']);
    // The copied steps return the original's results (which name its run); the last one is new.
    const tail = (runId: string) => runId.slice(-4);
    expect(replay.output).toEqual([`step-1:${tail(id)}`, `step-2:${tail(id)}`, `step-3:${tail(result.id)}`]);

    const table = await cli('runs', 'replay', id);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^Run \\S+ replays ${id} from the top\\n$`));

    const bad = await cli('runs', 'replay', id, '--from-seq', '99');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('from_seq_out_of_range');
    const usage = await cli('runs', 'replay', id, '--from-seq', 'three');
    expect(usage.code).not.toBe(0);
    expect(usage.stderr).toContain('--from-seq takes a step number');
    const zero = await cli('runs', 'replay', id, '--from-seq', '0');
    expect(zero.code).not.toBe(0);
    expect(zero.stderr).toContain('--from-seq takes a step number, from 1; got 0');

    const listed = await cli('runs', 'list', '--search', id, '-o', 'json');
    expect((JSON.parse(listed.stdout) as { runs: Array<{ id: string }> }).runs.map((r) => r.id)).toEqual([id]);
  });
});
