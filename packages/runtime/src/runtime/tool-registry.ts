import { z } from 'zod';

import { InvalidArgumentError } from '../core/errors.js';
import type { AnyTool } from '../core/tool.js';

/** A tool as `GET /v1/tools` and `vigil tools list` present it. */
export interface ToolView {
  name: string;
  version: string;
  description: string | null;
  input: unknown;
  output: unknown;
  /** Its declared cost per call, USD; null when it declares none or computes it from the arguments. */
  costUsd: number | null;
  /** Whether its cost is a function of the arguments. */
  costFromArgs: boolean;
  policy: {
    timeoutMs: number | null;
    retry: { attempts: number; initialDelayMs: number; factor: number; maxDelayMs: number; jitter: string };
    circuitBreaker: { failureThreshold: number; cooldownMs: number; whenOpen: string; key: string | null } | null;
    onExhausted: string;
    hasFallback: boolean;
    effects: string;
    hasVerify: boolean;
    escalateTo: string | null;
    blocking: boolean;
  };
}

/** The tools this process knows, by name: registered in config or code. */
export class ToolRegistry {
  private readonly byName = new Map<string, AnyTool>();

  constructor(tools: readonly AnyTool[] = []) {
    for (const tool of tools) this.register(tool);
  }

  register(tool: AnyTool): void {
    const existing = this.byName.get(tool.name);
    if (existing && existing !== tool && existing.version === tool.version) {
      throw new InvalidArgumentError(`Tool ${tool.name} version ${tool.version} is registered twice`);
    }
    this.byName.set(tool.name, tool);
  }

  get(name: string): AnyTool | undefined {
    return this.byName.get(name);
  }

  list(): ToolView[] {
    return [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name)).map(toToolView);
  }
}

function toToolView(tool: AnyTool): ToolView {
  const { policy } = tool;
  return {
    name: tool.name,
    version: tool.version,
    description: tool.description ?? null,
    input: jsonSchema(tool.input),
    output: jsonSchema(tool.output),
    costUsd: typeof tool.cost === 'number' ? tool.cost : null,
    costFromArgs: typeof tool.cost === 'function',
    policy: {
      timeoutMs: policy.timeoutMs ?? null,
      retry: { ...policy.retry },
      circuitBreaker: policy.breaker
        ? {
            failureThreshold: policy.breaker.failureThreshold,
            cooldownMs: policy.breaker.cooldownMs,
            whenOpen: policy.breaker.whenOpen,
            key: policy.breaker.key ?? null,
          }
        : null,
      onExhausted: policy.onExhausted,
      hasFallback: policy.fallback !== null,
      effects: policy.effects,
      hasVerify: tool.verify !== undefined,
      escalateTo: policy.escalateTo,
      blocking: policy.blocking,
    },
  };
}

/** The schema as JSON Schema; a schema zod cannot express (a transform, say) is described, not dropped. */
function jsonSchema(schema: z.ZodType): unknown {
  try {
    return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  } catch (error) {
    return { description: `not representable as JSON Schema: ${(error as Error).message}` };
  }
}
