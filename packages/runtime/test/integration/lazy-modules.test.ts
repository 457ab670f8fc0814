/**
 * What a process that opens Vigil loads: the packages of features it did not configure (an LLM
 * provider, PostgreSQL, pino, the tracing SDK, the HTTP server, prom-client until a scrape) stay
 * unloaded until first used,
 * so a plain SQLite worker carries none of their memory. The tests that use those features
 * (llm-step, tracing-setup, the server and PostgreSQL suites) show they still load when needed.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('../fixtures/loaded-modules.ts', import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Packages loaded only by the features that need them. */
const LAZY_PACKAGES = [
  'ai',
  '@ai-sdk/anthropic',
  '@ai-sdk/openai-compatible',
  '@ai-sdk/provider-utils',
  'pg',
  'pg-pool',
  'pino',
  '@opentelemetry/sdk-node',
  '@opentelemetry/sdk-trace-base',
  'hono',
  '@hono/node-server',
  'prom-client',
];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-lazy-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function loadedPackages(mode: 'plain' | 'logger' | 'scrape'): Promise<{ packages: Set<string>; scrape: string }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=@vigil/source', '--import', TSX_LOADER, CHILD, dir, mode],
    { env: { ...process.env, OTEL_TRACES_EXPORTER: '', OTEL_EXPORTER_OTLP_ENDPOINT: '', VIGIL_LLM_URL: '' } },
  );
  const { output, scrape, modules } = JSON.parse(stdout) as { output: string; scrape: string; modules: string[] };
  expect(output).toBe('done');
  const packages = new Set<string>();
  for (const path of modules) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
    if (match) packages.add(match[1]!);
  }
  return { packages, scrape };
}

describe('modules loaded by a plain SQLite process', () => {
  it('runs a workflow without loading the LLM SDK, pg, pino, the tracing SDK, the HTTP server or prom-client', async () => {
    const { packages } = await loadedPackages('plain');
    // What it does use is seen, so the list below is a real observation.
    expect(packages).toContain('better-sqlite3');
    expect(packages).toContain('zod');
    expect(LAZY_PACKAGES.filter((name) => packages.has(name))).toEqual([]);
  });

  it('loads pino once a logger is made', async () => {
    const { packages } = await loadedPackages('logger');
    expect(packages).toContain('pino');
    expect(packages).not.toContain('ai');
  });

  it('loads prom-client at the first scrape, which counts what the engine did before it', async () => {
    const { packages, scrape } = await loadedPackages('scrape');
    expect(packages).toContain('prom-client');
    expect(scrape).toContain('vigil_runs_started_total{workflow="lazy.one-step"} 1');
    expect(scrape).toMatch(
      /^vigil_step_duration_seconds_count\{workflow="lazy\.one-step",kind="step",status="completed"\} 1$/m,
    );
    expect(scrape).toContain('vigil_process_resident_memory_bytes');
  });
});
