// DBOS Transact 5 on the adapter's own PostgreSQL database (its system database, which DBOS
// creates and migrates at launch), with its default pool. The workflow and its steps use the
// decorator-free API: `DBOS.registerWorkflow` and `DBOS.runStep`, each step checkpointed in
// `dbos.operation_outputs` before the next starts. A workflow is a direct call of the registered
// function: DBOS runs it in the calling process and returns when it has finished.
// DBOS is a process-wide singleton, so one process holds one DBOS adapter at a time.
import { DBOS } from '@dbos-inc/dbos-sdk';

import type { AdapterPlace, PeerAdapter, RecordedWork } from './adapter.js';
import { countRows, serverDurability } from './pg-count.js';
import { STEPS, stepWork } from './work.js';

let tenSteps: ((run: number) => Promise<string>) | undefined;

function registerOnce(): (run: number) => Promise<string> {
  tenSteps ??= DBOS.registerWorkflow(
    async (run: number): Promise<string> => {
      let value = '';
      for (let step = 1; step <= STEPS; step++) {
        const previous = value;
        value = await DBOS.runStep(() => Promise.resolve(stepWork(run, step, previous)), { name: `step-${step}` });
      }
      return value;
    },
    { name: 'peersTenSteps' },
  );
  return tenSteps;
}

export async function openDbos(place: AdapterPlace): Promise<PeerAdapter> {
  const workflow = registerOnce();
  DBOS.setConfig({ name: 'vigil-peers', systemDatabaseUrl: place.databaseUrl, logLevel: 'error' });
  await DBOS.launch();
  return {
    name: 'dbos',
    runWorkflow: (run) => workflow(run),
    recorded: async (): Promise<RecordedWork> => ({
      workflows: await countRows(
        place.databaseUrl,
        `SELECT count(*) FROM dbos.workflow_status WHERE status = 'SUCCESS'`,
      ),
      steps: await countRows(place.databaseUrl, `SELECT count(*) FROM dbos.operation_outputs WHERE error IS NULL`),
    }),
    durability: () => serverDurability(place.databaseUrl),
    close: () => DBOS.shutdown(),
  };
}
