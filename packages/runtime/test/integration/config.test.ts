/** How `vigil dev` and `vigil worker` find workflows: vigil.config.ts and --load, TypeScript or JavaScript. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { VigilProcess, linkVigil, runCli } from '../helpers/processes.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-config-'));
  linkVigil(dir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const workflowModule = (name: string) => `
import { defineWorkflow } from 'vigil';
import { z } from 'zod';
export const flow = defineWorkflow({ name: '${name}', input: z.object({}) }, async () => 'ok');
export const notAWorkflow = { name: 'x' };
`;

describe('loading workflows', () => {
  it('registers the workflows of vigil.config.ts and of --load modules, once each', async () => {
    writeFileSync(join(dir, 'flows.ts'), workflowModule('from.ts'));
    writeFileSync(join(dir, 'flows.mjs'), workflowModule('from.mjs'));
    writeFileSync(
      join(dir, 'vigil.config.ts'),
      `import { defineConfig } from 'vigil';\nimport { flow } from './flows.ts';\nexport default defineConfig({ workflows: [flow] });\n`,
    );
    const worker = new VigilProcess(
      ['worker', '--db', join(dir, 'v.db'), '--load', 'flows.ts', '--load', './flows.mjs'],
      {
        cwd: dir,
      },
    );
    const [line] = await worker.waitFor(/"workflows":\[[^\]]*\],"config":"vigil.config.ts"/);
    expect((JSON.parse(`{${line}}`) as { workflows: string[] }).workflows.sort()).toEqual(['from.mjs@1', 'from.ts@1']);
    await worker.kill('SIGTERM');
    expect(await worker.exit()).toBe(0);
  });

  it('says which module is missing, and refuses a config that is not an object', async () => {
    const missing = await runCli(['worker', '--db', join(dir, 'v.db'), '--load', 'nope.ts'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Cannot load nope.ts: no such file');
    writeFileSync(join(dir, 'vigil.config.mjs'), 'export default 42;\n');
    const bad = await runCli(['worker', '--db', join(dir, 'v.db')], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('default export must be a config object');
  });
});
