import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { InvalidArgumentError } from '../core/errors.js';
import { isTool, type AnyTool } from '../core/tool.js';
import { isWorkflow, type AnyWorkflow } from '../core/workflow.js';
import type { VigilConfig } from './config.js';

const CONFIG_FILES = ['vigil.config.ts', 'vigil.config.mts', 'vigil.config.js', 'vigil.config.mjs'];

/** Imports a module by path; `.ts` files go through tsx, so users need no build step. */
export async function importModule(path: string, cwd: string): Promise<Record<string, unknown>> {
  const absolute = resolve(cwd, path);
  if (!existsSync(absolute)) throw new InvalidArgumentError(`Cannot load ${path}: no such file (${absolute})`);
  if (/\.(c|m)?tsx?$/.test(absolute)) {
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(pathToFileURL(absolute).href, import.meta.url)) as Record<string, unknown>;
  }
  return (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
}

/** The workflows a module exports: workflow values, arrays of them, or a config's `workflows`. */
export function workflowsOf(module: Record<string, unknown>): AnyWorkflow[] {
  const found: AnyWorkflow[] = [];
  const visit = (value: unknown): void => {
    if (isWorkflow(value)) found.push(value);
    else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object' && 'workflows' in value) visit(value.workflows);
  };
  Object.values(module).forEach(visit);
  return found;
}

/** The tools a module exports, for `GET /v1/tools`: tool values, arrays of them, or a config's `tools`. */
export function toolsOf(module: Record<string, unknown>): AnyTool[] {
  const found: AnyTool[] = [];
  const visit = (value: unknown): void => {
    if (isTool(value)) found.push(value);
    else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object' && 'tools' in value) visit(value.tools);
  };
  Object.values(module).forEach(visit);
  return found;
}

export interface LoadedProject {
  config: VigilConfig;
  configPath: string | null;
  workflows: AnyWorkflow[];
  tools: AnyTool[];
}

/**
 * Loads `vigil.config.*` from `cwd` (or `configPath`), then each `--load` module, and returns
 * their workflows and tools without duplicates.
 */
export async function loadProject(options: {
  cwd: string;
  configPath?: string;
  load: string[];
}): Promise<LoadedProject> {
  const configPath = options.configPath ?? CONFIG_FILES.find((file) => existsSync(resolve(options.cwd, file))) ?? null;
  let config: VigilConfig = {};
  const workflows = new Set<AnyWorkflow>();
  const tools = new Set<AnyTool>();
  if (configPath) {
    const module = esModuleOf(await importModule(configPath, options.cwd));
    const exported = module['default'];
    if (exported !== undefined && (typeof exported !== 'object' || exported === null)) {
      throw new InvalidArgumentError(`${configPath}: the default export must be a config object (use defineConfig)`);
    }
    config = exported ?? {};
    workflowsOf(module).forEach((w) => workflows.add(w));
    toolsOf(module).forEach((t) => tools.add(t));
  }
  for (const path of options.load) {
    const module = esModuleOf(await importModule(path, options.cwd));
    workflowsOf(module).forEach((w) => workflows.add(w));
    toolsOf(module).forEach((t) => tools.add(t));
  }
  return {
    config,
    configPath,
    workflows: uniqueBy([...workflows], (w) => `${w.name}@${w.version}`),
    tools: uniqueBy([...tools], (t) => `${t.name}@${t.version}`),
  };
}

/**
 * The module's own exports. A TypeScript file compiled as CommonJS (a project without
 * `"type": "module"`) arrives from `import()` wrapped once more: `{ default: { __esModule: true,
 * default, ...named } }`; unwrap it so its config and named exports are seen.
 */
export function esModuleOf(module: Record<string, unknown>): Record<string, unknown> {
  const inner = module['default'];
  if (inner && typeof inner === 'object' && (inner as Record<string, unknown>)['__esModule'] === true) {
    return inner as Record<string, unknown>;
  }
  return module;
}

/**
 * The first of each key. One file reached through two module systems (a config imported as
 * CommonJS, the same file passed to --load as an ES module) yields two copies of a definition.
 */
function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}
