import { Hono } from 'hono';

import { ValidationError } from '../../core/errors.js';
import type { BudgetClient } from '../../runtime/budget-client.js';
import { principalOf, type ApiEnv } from '../auth.js';
import { parseWith, readJsonBody } from '../request-body.js';
import { SetLimitBody, SpendQuery } from '../schemas/spend.js';

/** `GET /v1/spend`: settled spend grouped by workflow, model (or tool), day, run or agent. */
export function spendRoutes(budgets: BudgetClient): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    const { since, until, ...query } = parseWith(SpendQuery, c.req.query(), 'invalid_request');
    return c.json(
      await budgets.spend({
        ...query,
        ...(since === undefined ? {} : { since: parseTime(since, 'since') }),
        ...(until === undefined ? {} : { until: parseTime(until, 'until') }),
      }),
    );
  });
  return app;
}

/**
 * `/v1/budgets`: the declared budgets and the limits in force with their spend (GET), and
 * setting one scope key's limit (PUT `{ scope, key, usd }`; `usd: null` removes it).
 */
export function budgetRoutes(budgets: BudgetClient, maxBodyBytes: number): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/', async (c) => c.json(await budgets.budgets()));
  app.put('/', async (c) => {
    const body = await readJsonBody(c, SetLimitBody, maxBodyBytes);
    return c.json(await budgets.setLimit({ ...body, principal: principalOf(c) }));
  });
  return app;
}

/** An ISO 8601 time, or epoch milliseconds. */
function parseTime(text: string, path: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) {
    throw new ValidationError('invalid_request', `${path}: expected an ISO 8601 time or epoch milliseconds`, { path });
  }
  return ms;
}
