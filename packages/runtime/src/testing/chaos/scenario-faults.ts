import type { AnyTool } from '../../core/tool.js';
import type { ToolFaultSpec } from '../../runtime/tool-faults.js';
import { faultRoll } from '../faults.js';
import type { ChaosScenario, ResolvedChaosOptions } from './options.js';

/** Latency the `corrupt` scenario adds to each tool attempt, so runs are caught between workers. */
const CORRUPT_WINDOW_MS = 150;

/**
 * What the workers of one scenario inject into every tool (`VIGIL_TOOL_FAULTS`): the scenario's
 * own fault, plus the latency and rate limit asked for all scenarios.
 */
export function scenarioFaults(
  scenario: ChaosScenario,
  options: ResolvedChaosOptions,
  persistentTool: string,
  ledgerUrl: string,
): ToolFaultSpec {
  const spec: ToolFaultSpec = {
    seed: `${options.seed}:${scenario}`,
    ledgerUrl,
    scenario,
    ...(options.latencyMs > 0 ? { latencyMs: options.latencyMs } : {}),
    ...(options.rateLimit === null ? {} : { rateLimitPerSecond: options.rateLimit }),
  };
  switch (scenario) {
    case 'happy':
      return spec;
    case 'transient':
      return { ...spec, failRate: options.failRate };
    case 'persistent':
      return { ...spec, failTools: [persistentTool] };
    case 'timeout':
      return { ...spec, overTimeout: true };
    case 'partial':
      return { ...spec, failDegradable: true };
    case 'corrupt':
      return { ...spec, latencyMs: Math.max(options.latencyMs, CORRUPT_WINDOW_MS) };
  }
}

/** The tool `persistent` breaks: `faultTool`, else one of the module's tools chosen by the seed, else all. */
export function persistentToolOf(options: ResolvedChaosOptions, tools: readonly AnyTool[]): string {
  if (options.faultTool !== null) return options.faultTool;
  if (tools.length === 0) return '*';
  const names = tools.map((t) => t.name).sort();
  return names[Math.floor(faultRoll(options.seed, 'persistent-tool', 1) * names.length)]!;
}
