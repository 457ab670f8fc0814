import { Hono } from 'hono';
import { z } from 'zod';

import type { EscalationClient } from '../../runtime/escalation-client.js';
import { ESCALATION_DECISIONS } from '../../store/escalation-store.js';
import { principalOf, type ApiEnv } from '../auth.js';
import { parseWith, readJsonBody } from '../request-body.js';

const ListEscalationsQuery = z
  .object({
    status: z.enum(['open', 'resolved', 'timed_out', 'cancelled', 'all']).optional(),
    runId: z.string().min(1).optional(),
    assignee: z.string().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
    cursor: z.string().min(1).optional(),
  })
  .strict();

const ResolveBody = z
  .object({
    decision: z.enum(ESCALATION_DECISIONS),
    value: z.unknown().optional(),
    note: z.string().max(2000).optional(),
    /** The person who decided, when the caller acts for someone; default the caller's key. */
    resolvedBy: z.string().min(1).max(200).optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    // A value is the step's result: required to provide one, meaningless (so refused) otherwise.
    if (body.decision === 'provide' && body.value === undefined) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'a "provide" decision needs the step\'s result' });
    } else if (body.decision !== 'provide' && body.value !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'only a "provide" decision takes a value' });
    }
  });

/** `/v1/escalations`: the inbox of decisions waiting for a human, and resolving them. */
export function escalationRoutes(escalations: EscalationClient, maxBodyBytes: number): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.get('/', async (c) => {
    const query = parseWith(ListEscalationsQuery, c.req.query(), 'invalid_request');
    return c.json(await escalations.list(query));
  });

  app.get('/:id', async (c) => c.json(await escalations.get(c.req.param('id'))));

  app.post('/:id/resolve', async (c) => {
    const body = await readJsonBody(c, ResolveBody, maxBodyBytes);
    return c.json(await escalations.resolve(c.req.param('id'), { ...body, principal: principalOf(c) }));
  });

  return app;
}
