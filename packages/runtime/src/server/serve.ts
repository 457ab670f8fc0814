import type { AddressInfo } from 'node:net';

import { serve as serveNode } from '@hono/node-server';
import type { Hono } from 'hono';

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Listens on `hostname:port` (port 0 picks a free one) and resolves once listening. */
export function serve(app: Hono, options: { port: number; hostname: string }): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serveNode(
      { fetch: app.fetch, port: options.port, hostname: options.hostname },
      (info: AddressInfo) => {
        const host = info.address.includes(':') ? `[${info.address}]` : info.address;
        resolve({
          url: `http://${host}:${info.port}`,
          close: () =>
            new Promise<void>((done, fail) => {
              server.close((error) => (error ? fail(error) : done()));
              // Keep-alive sockets would hold close() open until they time out.
              (server as { closeAllConnections?: () => void }).closeAllConnections?.();
            }),
        });
      },
    );
    server.once('error', reject);
  });
}
