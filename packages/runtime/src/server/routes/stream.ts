import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';

import type { Logger } from '../../core/logger.js';
import type { DeploymentStream } from '../../runtime/deployment-stream.js';
import type { ApiEnv } from '../auth.js';

/**
 * `GET /v1/stream`: server-sent events `run` and `escalation` for every change in the deployment,
 * from when the stream opens: an `open` comment at once, then the changes, with a heartbeat comment
 * while nothing happens (see `DeploymentStream`).
 */
export function streamRoutes(stream: DeploymentStream, logger: Logger): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/', (c) =>
    streamSSE(
      c,
      async (sse) => {
        const closed = new AbortController();
        sse.onAbort(() => closed.abort());
        // The headers go out with the first write: without this one, a client of a quiet deployment
        // would wait for the first change or heartbeat to learn that the stream is open.
        await sse.write(': open\n\n');
        await stream.stream(
          (message) =>
            'heartbeat' in message
              ? sse.write(': heartbeat\n\n').then(() => undefined)
              : sse.writeSSE({ event: message.event, data: JSON.stringify(message.data) }),
          closed.signal,
        );
      },
      (error) => {
        logger.warn('the deployment stream failed; closing it', { error: String(error) });
        return Promise.resolve();
      },
    ),
  );
  return app;
}
