/**
 * Worker processes SIGKILLed in the middle of an agent's tool loop: once while a model turn is
 * in flight, once while a tool runs. The model server (real HTTP in the test process) sees no
 * completed request twice, and the external ledger shows no completed tool call made twice: the
 * loop resumes at the step that was cut off, with the conversation rebuilt from checkpoints.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, expect, it } from 'vitest';

import type { AgentResult } from '../../src/core/agent.js';
import { investigator } from '../fixtures/workflows.js';
import { type SeenRequest, type TestReply } from '../helpers/openai-test-server.js';
import { LlmWorkers } from '../helpers/llm-workers.js';
import { eventually, readLedger } from '../helpers/processes.js';

let rig: LlmWorkers;

/** The model: look the entry up, then read the bank's line, then answer from both results. */
function investigate(request: SeenRequest): TestReply {
  const results = request.messages.filter((m) => m.role === 'tool').map((m) => String(m.content));
  if (results.length === 0)
    return { text: 'First our ledger.', toolCalls: [{ name: 'ledger_lookup', args: { entry: 'E-7' } }] };
  if (results.length === 1)
    return { text: 'Now the bank.', toolCalls: [{ name: 'bank_statement', args: { entry: 'E-7' } }] };
  return `E-7 mismatch: ${results.join(' vs ')}`;
}

beforeEach(async () => {
  rig = await LlmWorkers.start('vigil-agent-crash-', [investigator], investigate);
});

afterEach(() => rig.close());

it('resumes an agent loop killed mid-turn and mid-tool without repeating a completed model call or tool call', async () => {
  const { client, server, dir } = rig;
  const ledger = join(dir, 'ledger.jsonl');
  const release = join(dir, 'release');
  // The second model request (turn 2) is held open: the first kill comes while it is in flight.
  server.failAt(1, { kind: 'hang' });
  const a = rig.worker();
  await a.waitFor(/worker started/);
  const { id } = await client.start(investigator, { entry: 'E-7', ledger, release });

  await eventually(() => (server.seen.length === 2 ? true : undefined), 30_000, 'turn 2 in flight');
  expect(readLedger(ledger).map((l) => l.step)).toEqual(['lookup']);
  await a.kill('SIGKILL');

  // The next worker replays turn 1 and the lookup, asks turn 2 again, and starts the bank's tool.
  const b = rig.worker();
  await eventually(() => (readLedger(ledger).some((l) => l.step === 'statement:start') ? true : undefined), 30_000);
  await b.kill('SIGKILL');

  const c = rig.worker();
  await c.waitFor(/worker started/);
  await eventually(
    () => (readLedger(ledger).filter((l) => l.step === 'statement:start').length === 2 ? true : undefined),
    30_000,
  );
  writeFileSync(release, '');
  const run = await eventually(async () => {
    const current = await client.getRun(id);
    return current && ['completed', 'failed', 'dead_lettered', 'cancelled'].includes(current.status)
      ? current
      : undefined;
  }, 30_000);
  expect(run.status).toBe('completed');
  const result = run.output as AgentResult;
  expect(result).toMatchObject({ stopReason: 'answered', turns: 3 });
  expect(result.text).toBe('E-7 mismatch: {"entry":"E-7","amount":120} vs {"entry":"E-7","amount":100}');

  // No completed model request was made twice: three turns, three answers, each a different conversation.
  expect(server.completed).toBe(3);
  const conversations = server.answered.map((r) => JSON.stringify(r.messages));
  expect(new Set(conversations).size).toBe(3);
  // Turn 2 was sent twice (its first request was cut off by the kill), never answered twice.
  expect(server.seen).toHaveLength(4);
  // The tools, counted outside Vigil: the lookup ran once; the bank's tool completed once, on
  // its second attempt (the first was killed while it ran).
  const lines = readLedger(ledger).map((l) => [l.step, l.attempt]);
  expect(lines).toEqual([
    ['lookup', 1],
    ['statement:start', 1],
    ['statement:start', 2],
    ['statement:done', 2],
  ]);
  expect(run.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
    ['agent:turn-1', 'completed', 1],
    ['agent:ledger.lookup', 'completed', 1],
    ['agent:turn-2', 'completed', 2],
    ['agent:bank.statement', 'completed', 2],
    ['agent:turn-3', 'completed', 1],
  ]);
});
