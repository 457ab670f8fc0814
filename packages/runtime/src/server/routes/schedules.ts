import { Hono } from 'hono';

import type { CreateSchedule, ScheduleClient } from '../../runtime/schedule-client.js';
import { principalOf, type ApiEnv } from '../auth.js';
import { parseWith, readJsonBody } from '../request-body.js';
import { CreateScheduleBody, ListSchedulesQuery } from '../schemas/schedules.js';

/** `/v1/schedules`: cron schedules: add, list, show, pause, resume, run now, remove. */
export function scheduleRoutes(schedules: ScheduleClient, maxBodyBytes: number): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.get('/', async (c) => {
    const query = parseWith(ListSchedulesQuery, c.req.query(), 'invalid_request');
    return c.json(await schedules.list(query));
  });

  app.post('/', async (c) => {
    const body = await readJsonBody(c, CreateScheduleBody, maxBodyBytes);
    // The options are strings here; `create` checks them (validateSchedule) before anything is written.
    return c.json(await schedules.create(body as CreateSchedule, principalOf(c)), 201);
  });

  app.get('/:id', async (c) => c.json(await schedules.get(c.req.param('id'))));

  app.post('/:id/pause', async (c) => c.json(await schedules.pause(c.req.param('id'), principalOf(c))));

  app.post('/:id/resume', async (c) => c.json(await schedules.resume(c.req.param('id'), principalOf(c))));

  app.post('/:id/trigger', async (c) => {
    const run = await schedules.trigger(c.req.param('id'), principalOf(c));
    if (!run.created) c.header('Idempotent-Replayed', 'true');
    return c.json({ id: run.id, status: run.status }, 202);
  });

  app.delete('/:id', async (c) => c.json(await schedules.remove(c.req.param('id'), principalOf(c))));

  return app;
}
