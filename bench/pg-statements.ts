// Statements per workflow on PostgreSQL, exactly: the peers' ten-step workflow (`start()` then
// `result()`, 16 in flight, the built package with its defaults and an in-process worker) on a
// fresh database, with `pg.Client.prototype.query` wrapped so that every statement counts, those
// sent inside transactions on a checked-out client included (`pg-query-counter.ts` wraps the
// pool's `query`, which those bypass). Statements are grouped by what they do, as that file
// recognises them, or else by their first words. It also reports the CPU time per workflow of
// this process and of the PostgreSQL server: on a shared machine these move less than throughput.
//
//   node bench/dist/pg-statements.js --options '{"runs":800}'
import pg from 'pg';

import { isMain, runAsScript } from './child-process.js';
import { performance } from './clock.js';
import { openVigilPostgres } from './peers/vigil-adapter.js';
import { runWorkflows } from './peers/peer-process.js';
import { STATEMENT_KINDS } from './pg-query-counter.js';
import { startPostgres } from './postgres-server.js';

export const DEFAULTS = { runs: 800, warmupRuns: 100, concurrency: 16 };

const counts = new Map<string, number>();

function labelOf(text: string): string {
  const sql = text.trim();
  for (const [kind, pattern] of Object.entries(STATEMENT_KINDS)) if (pattern.test(sql)) return kind;
  return sql.split(/\s+/).slice(0, 3).join(' ').slice(0, 48);
}

function countClientQueries(): void {
  type Query = (this: pg.Client, ...args: unknown[]) => unknown;
  const prototype = pg.Client.prototype as unknown as { query: Query };
  const original = prototype.query;
  prototype.query = function (this: pg.Client, ...args: unknown[]): unknown {
    const [first] = args;
    const text = typeof first === 'string' ? first : ((first as { text?: string } | null)?.text ?? '');
    const label = labelOf(text);
    counts.set(label, (counts.get(label) ?? 0) + 1);
    return original.apply(this, args);
  };
}

export async function run(options: typeof DEFAULTS) {
  const server = await startPostgres();
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query('CREATE DATABASE statements');
  await admin.end();
  try {
    countClientQueries();
    const adapter = await openVigilPostgres({
      dir: '',
      databaseUrl: server.url.replace(/\/postgres$/, '/statements'),
      concurrency: options.concurrency,
    });
    try {
      await runWorkflows(adapter, 0, options.warmupRuns, options.concurrency);
      // Let the warm-up's audit batches go out before counting.
      await new Promise((resolve) => setTimeout(resolve, 500));
      counts.clear();
      const started = performance.now();
      const cpu = process.cpuUsage();
      const serverCpu = server.cpuMs();
      const wrong = await runWorkflows(adapter, options.warmupRuns, options.runs, options.concurrency);
      const seconds = (performance.now() - started) / 1000;
      const { user, system } = process.cpuUsage(cpu);
      const serverCpuMs = server.cpuMs() - serverCpu;
      await adapter.close();
      const byLabel = Object.fromEntries(
        [...counts].sort((a, b) => b[1] - a[1]).map(([label, n]) => [label, Number((n / options.runs).toFixed(3))]),
      );
      const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
      return {
        runs: options.runs,
        wrong,
        statementsPerWorkflow: Number((total / options.runs).toFixed(3)),
        byLabel,
        workflowsPerSec: Math.round(options.runs / seconds),
        vigilCpuMsPerWorkflow: Number(((user + system) / 1000 / options.runs).toFixed(3)),
        serverCpuMsPerWorkflow: Number((serverCpuMs / options.runs).toFixed(3)),
      };
    } catch (error) {
      await adapter.close().catch(() => undefined);
      throw error;
    }
  } finally {
    await server.destroy();
  }
}

if (isMain(import.meta.url)) await runAsScript(DEFAULTS, run);
