// LangGraph.js 1: a StateGraph of ten nodes in a chain, compiled with the SQLite checkpointer
// (`SqliteSaver`, better-sqlite3) on a file in the adapter's directory. The saver opens its file
// in WAL mode; we set `synchronous=FULL` on its connection, as Vigil's store does, so both are
// power-safe. Each workflow is one thread, invoked with `durability: 'sync'`: a node's checkpoint
// is saved before the next node starts, the guarantee Vigil gives (LangGraph's default, 'async',
// saves it while the next node runs).
import { join } from 'node:path';

import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import BetterSqlite3 from 'better-sqlite3';

import type { AdapterPlace, PeerAdapter, RecordedWork } from './adapter.js';
import { STEPS, stepWork } from './work.js';

const State = Annotation.Root({
  run: Annotation<number>,
  step: Annotation<number>,
  value: Annotation<string>,
});
type StateType = typeof State.State;

function node(step: number): (state: StateType) => Partial<StateType> {
  return (state) => ({ step, value: stepWork(state.run, step, state.value) });
}

function buildGraph(saver: SqliteSaver) {
  // Nodes are added one by one so the chain is ten real nodes; the builder's types track their
  // names, which a loop cannot express, hence the widened builder.
  const builder = new StateGraph(State) as unknown as StateGraph<
    typeof State.spec,
    StateType,
    Partial<StateType>,
    string
  >;
  for (let step = 1; step <= STEPS; step++) builder.addNode(`step-${step}`, node(step));
  builder.addEdge(START, 'step-1');
  for (let step = 1; step < STEPS; step++) builder.addEdge(`step-${step}`, `step-${step + 1}`);
  builder.addEdge(`step-${STEPS}`, END);
  return builder.compile({ checkpointer: saver });
}

export function openLangGraph(place: AdapterPlace): Promise<PeerAdapter> {
  const path = join(place.dir, 'langgraph.db');
  const db = new BetterSqlite3(path);
  const saver = new SqliteSaver(db);
  // WAL as the saver's own setup() sets it, and synchronous=FULL as Vigil's store sets it: a
  // commit is on disk before it returns, so both survive a power cut.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  const graph = buildGraph(saver);
  return Promise.resolve({
    name: 'langgraph',
    runWorkflow: async (run: number): Promise<string> => {
      const state = await graph.invoke(
        { run, step: 0, value: '' },
        { configurable: { thread_id: `run-${run}` }, durability: 'sync' },
      );
      return state.value;
    },
    recorded: (): Promise<RecordedWork> => {
      // The saver writes a checkpoint with source 'loop' and step k after the k-th node of a
      // thread (step 0 holds the input): ten per finished workflow.
      const loopStep = `json_extract(CAST(metadata AS TEXT), '$.step')`;
      const loop = `FROM checkpoints WHERE json_extract(CAST(metadata AS TEXT), '$.source') = 'loop'`;
      const count = (sql: string): number => db.prepare(sql).pluck().get() as number;
      return Promise.resolve({
        workflows: count(`SELECT count(DISTINCT thread_id) ${loop} AND ${loopStep} = ${STEPS}`),
        steps: count(`SELECT count(*) ${loop} AND ${loopStep} >= 1`),
      });
    },
    durability: () =>
      Promise.resolve(
        `sqlite ${path} (journal_mode=${String(db.pragma('journal_mode', { simple: true }))}, synchronous=${String(db.pragma('synchronous', { simple: true }))})`,
      ),
    close: () => {
      db.close();
      return Promise.resolve();
    },
  });
}
