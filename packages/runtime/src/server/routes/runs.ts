import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';

import { NotFoundError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { VigilClient } from '../../runtime/client.js';
import type { RunStreams } from '../../runtime/run-stream.js';
import { principalOf, type ApiEnv } from '../auth.js';
import { parseWith, readJsonBody } from '../request-body.js';
import { ListRunsQuery, ReplayRunBody, StartRunBody, StepParams } from '../schemas/runs.js';

/** `/v1/runs`: start, list (with filters), show, follow (server-sent events), cancel and replay runs. */
export function runRoutes(
  client: VigilClient,
  streams: RunStreams,
  logger: Logger,
  maxBodyBytes: number,
): Hono<ApiEnv> {
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

  // One step with its checkpointed result (the run view leaves results out).
  app.get('/:id/steps/:seq', async (c) => {
    const { seq } = parseWith(StepParams, { seq: c.req.param('seq') }, 'invalid_request');
    return c.json(await client.getStep(c.req.param('id'), seq));
  });

  // A `snapshot` event, then the run's events until it finishes, a heartbeat comment meanwhile.
  app.get('/:id/stream', async (c) => {
    const id = c.req.param('id');
    // Checked before the stream opens: once it has, the status line is sent.
    if (!(await client.getRun(id))) throw new NotFoundError('run_not_found', `No run with id ${id}`, { path: 'id' });
    return streamSSE(
      c,
      async (stream) => {
        const closed = new AbortController();
        stream.onAbort(() => closed.abort());
        await streams.stream(
          id,
          (message) =>
            'heartbeat' in message
              ? stream.write(': heartbeat\n\n').then(() => undefined)
              : stream.writeSSE({ event: message.event, data: JSON.stringify(message.data) }),
          closed.signal,
        );
      },
      (error) => {
        logger.warn('a run stream failed; closing it', { runId: id, error: String(error) });
        return Promise.resolve();
      },
    );
  });

  app.post('/:id/cancel', async (c) => c.json(await client.cancel(c.req.param('id'), { principal: principalOf(c) })));

  app.post('/:id/replay', async (c) => {
    const body = (await readJsonBody(c, ReplayRunBody, maxBodyBytes)) ?? {};
    const result = await client.replay(c.req.param('id'), { ...body, principal: principalOf(c) });
    return c.json(result, 202);
  });

  return app;
}
