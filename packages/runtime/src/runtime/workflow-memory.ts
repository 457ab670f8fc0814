import { validateAgentName } from '../core/budget.js';
import { CheckpointCorruptedError, toErrorRecord } from '../core/errors.js';
import { encodeJson } from '../core/json.js';
import { validateMemoryKey, type Memory, type MemoryVersion, type RunMemory } from '../core/memory.js';
import type { StepWrite } from '../store/checkpoint-store.js';
import type { MemoryEntry } from '../store/memory-store.js';
import { reportCorruption } from './corrupt-step.js';
import type { RunExecution } from './run-execution.js';
import { STOPPED } from './step-runner.js';

/** A key's state in run memory: its value as JSON text (null once deleted) and its version. */
interface RunEntry {
  text: string | null;
  version: number;
}

/**
 * `ctx.memory`. Run memory lives in the run's own steps: each set or delete is a journaled row
 * (`$memory:set:<key>` carrying the value and version), and the map is rebuilt from those rows
 * as the workflow replays, so it needs no table and rewinds with a replay from a step. A `get`
 * writes no row: nothing outside the run can change run memory, so what it returns follows from
 * the journaled writes before it, on every replay alike.
 *
 * Agent memory (`agent()`) lives in the store's `memory` table, shared across runs. Its reads
 * are journaled rows recording what was read; its writes commit together with their step row,
 * fenced by the lease, so a crash leaves both or neither and replay never writes again.
 */
export class WorkflowMemory implements RunMemory {
  private readonly entries = new Map<string, RunEntry>();

  constructor(
    private readonly execution: RunExecution,
    /** The workflow's agent: `agent`, else its name. */
    private readonly defaultAgent: string,
  ) {}

  get<T = unknown>(key: string): Promise<T | undefined> {
    validateMemoryKey(key);
    const text = this.entries.get(key)?.text;
    // Parsed afresh each time, so a caller changing what it got does not change what is stored.
    return Promise.resolve(text == null ? undefined : (JSON.parse(text) as T));
  }

  set(key: string, value: unknown): Promise<MemoryVersion> {
    validateMemoryKey(key);
    return Promise.resolve(this.write(key, encodeValue(this.execution, key, value)));
  }

  delete(key: string): Promise<MemoryVersion> {
    validateMemoryKey(key);
    return Promise.resolve(this.write(key, null));
  }

  agent(name?: string): Memory {
    const agent = name === undefined ? this.defaultAgent : validateAgentName(name, 'ctx.memory.agent name');
    return new AgentMemory(this.execution, agent);
  }

  private write(key: string, text: string | null): MemoryVersion {
    const execution = this.execution;
    const seq = execution.takeSeq();
    const name = `$memory:${text === null ? 'delete' : 'set'}:${key}`;
    const recorded = execution.lookup(seq, name, 'memory');
    if (recorded) {
      const { version, value } = JSON.parse(recorded.output ?? '{}') as { version: number; value?: unknown };
      this.entries.set(key, { text: text === null ? null : JSON.stringify(value), version });
      return { version };
    }
    const version = (this.entries.get(key)?.version ?? 0) + 1;
    this.entries.set(key, { text, version });
    // Written with the run's next commit, like a journaled value: until then nothing outside saw it.
    execution.queueRow(memoryRow(seq, name, execution.deps.clock.now(), versioned(version, text)));
    return { version };
  }
}

/** One agent's memory, seen from one run. */
class AgentMemory implements Memory {
  constructor(
    private readonly execution: RunExecution,
    private readonly agent: string,
  ) {}

  get<T = unknown>(key: string): Promise<T | undefined> {
    validateMemoryKey(key);
    const execution = this.execution;
    const name = `$memory.agent:${this.agent}:get:${key}`;
    const read = execution.runStep<{ version: number; value?: T }>(name, 'memory', async (seq) => {
      let output: string;
      try {
        const entry = await execution.deps.store.memory.get(this.agent, key);
        if (entry && !entry.intact) return corruptMemory(execution, { seq, name, kind: 'memory' }, entry);
        output = versioned(entry?.version ?? 0, entry?.value ?? null);
      } catch (error) {
        // The run cannot go on without the value; another worker takes it over.
        execution.storeFailed(error);
        return STOPPED;
      }
      execution.queueRow(memoryRow(seq, name, execution.deps.clock.now(), output));
      return { ok: true, value: JSON.parse(output) as unknown };
    });
    return read.then((entry) => entry.value);
  }

  set(key: string, value: unknown): Promise<MemoryVersion> {
    validateMemoryKey(key);
    return this.write(key, encodeValue(this.execution, key, value));
  }

  delete(key: string): Promise<MemoryVersion> {
    validateMemoryKey(key);
    return this.write(key, null);
  }

  private write(key: string, text: string | null): Promise<MemoryVersion> {
    const execution = this.execution;
    const name = `$memory.agent:${this.agent}:${text === null ? 'delete' : 'set'}:${key}`;
    return execution.runStep<MemoryVersion>(name, 'memory', async (seq) => {
      const at = execution.deps.clock.now();
      const write = { agent: this.agent, key, value: text, seq, at };
      const version = await execution.commitMemoryWrite(memoryRow(seq, name, at, null), write);
      return version === null ? STOPPED : { ok: true, value: { version } };
    });
  }
}

function encodeValue(execution: RunExecution, key: string, value: unknown): string {
  return encodeJson(value, `ctx.memory.set("${key}") value`, execution.deps.maxPayloadBytes);
}

/** `{"version":n,"value":…}`, the value spliced in as the JSON text it already is. */
function versioned(version: number, text: string | null): string {
  return text === null ? `{"version":${version}}` : `{"version":${version},"value":${text}}`;
}

function memoryRow(seq: number, name: string, at: number, output: string | null): StepWrite {
  return {
    seq,
    name,
    kind: 'memory',
    status: 'completed',
    attempts: 1,
    output,
    error: null,
    wakeAt: null,
    startedAt: at,
    endedAt: at,
  };
}

/**
 * A damaged agent-memory value: another run wrote it, so it cannot be re-derived here, and
 * nothing downstream may see it. The run is dead-lettered with `checkpoint_corrupted`; an
 * operator rewrites the key and replays the dead letter.
 */
function corruptMemory(
  execution: RunExecution,
  call: { seq: number; name: string; kind: 'memory' },
  entry: MemoryEntry,
): typeof STOPPED {
  const found = `The stored value of agent memory "${entry.agent}" key "${entry.key}" does not match its checksum`;
  reportCorruption(execution, call, 'dead_lettered', null, found);
  const error = new CheckpointCorruptedError(execution.runId, call.seq, call.name);
  const at = execution.deps.clock.now();
  execution.endRun(error, {
    ...memoryRow(call.seq, call.name, at, null),
    status: 'failed',
    error: toErrorRecord(error),
  });
  return STOPPED;
}
