import { Hono } from 'hono';
import { z } from 'zod';

import type { WorkflowRegistry } from '../../runtime/workflow-registry.js';

/** `/v1/workflows`: what this server can start, with each input's JSON Schema. */
export function workflowRoutes(registry: WorkflowRegistry): Hono {
  const app = new Hono();
  app.get('/', (c) =>
    c.json({
      workflows: registry.list().map((workflow) => ({
        name: workflow.name,
        version: workflow.version,
        description: workflow.description ?? null,
        steps: workflow.steps ?? null,
        inputSchema: inputJsonSchema(workflow.input),
      })),
    }),
  );
  return app;
}

function inputJsonSchema(schema: z.ZodType): unknown {
  try {
    return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  } catch {
    return null;
  }
}
