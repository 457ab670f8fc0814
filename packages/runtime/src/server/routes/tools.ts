import { Hono } from 'hono';

import type { ToolRegistry } from '../../runtime/tool-registry.js';

/** `/v1/tools`: the tools this server knows, with their schemas and failure policies. */
export function toolRoutes(tools: ToolRegistry): Hono {
  const app = new Hono();
  app.get('/', (c) => c.json({ tools: tools.list() }));
  return app;
}
