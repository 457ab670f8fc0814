import { Hono } from 'hono';
import { z } from 'zod';

import { NotFoundError } from '../../core/errors.js';
import type { VigilClient } from '../../runtime/client.js';
import { principalOf, type ApiEnv } from '../auth.js';
import { parseWith, readJsonBody } from '../request-body.js';

const StartRunBody = z
  .object({
    workflow: z.string().min(1, 'workflow must name a registered workflow'),
    input: z.unknown().optional(),
    /** Seconds (0–600) ahead of runs queued at the same time; checked by the client, which names it. */
    priority: z.unknown().optional(),
  })
  .strict();

const ListRunsQuery = z
  .object({
    status: z.string().optional(),
    workflow: z.string().optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
    cursor: z.string().optional(),
  })
  .strict();

/** `/v1/runs`: start, list, show and cancel runs. */
export function runRoutes(client: VigilClient, maxBodyBytes: number): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.post('/', async (c) => {
    const body = await readJsonBody(c, StartRunBody, maxBodyBytes);
    const idempotencyKey = c.req.header('idempotency-key');
    const result = await client.start(body.workflow, body.input ?? {}, {
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      ...(body.priority === undefined ? {} : { priority: body.priority as number }),
      principal: principalOf(c),
    });
    if (!result.created) c.header('Idempotent-Replayed', 'true');
    return c.json({ id: result.id, status: result.status }, 202);
  });

  app.get('/', async (c) => {
    const query = parseWith(ListRunsQuery, c.req.query(), 'invalid_request');
    return c.json(await client.listRuns(query));
  });

  app.get('/:id', async (c) => {
    const id = c.req.param('id');
    const run = await client.getRun(id);
    if (!run) throw new NotFoundError('run_not_found', `No run with id ${id}`, { path: 'id' });
    return c.json(run);
  });

  app.post('/:id/cancel', async (c) => c.json(await client.cancel(c.req.param('id'), { principal: principalOf(c) })));

  return app;
}
