import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';

import { afterEach, expect, inject, it } from 'vitest';

import { silentLogger } from '../../core/logger.js';
import { openStore } from '../open-store.js';
import { PgConnection } from './connection.js';

const servers: Array<{ server: Server; sockets: Set<Socket> }> = [];
afterEach(async () => {
  for (const { server, sockets } of servers.splice(0)) {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A TCP server on 127.0.0.1 that accepts connections and never says a word, as a host dropping packets after the handshake would look. */
async function silentServer(): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  servers.push({ server, sockets });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** A port on 127.0.0.1 that was just bound and closed: nothing listens there. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

it('fails with store_unavailable, naming the server, when nothing listens on the port', async () => {
  const port = await closedPort();
  const conn = new PgConnection({
    url: `postgres://vigil:secret@127.0.0.1:${port}/vigil`,
    logger: silentLogger,
    retryForMs: 300,
    connectTimeoutMs: 1000,
  });
  const failure = await conn.query('SELECT 1').catch((error: unknown) => error);
  expect(failure).toMatchObject({ code: 'store_unavailable', retryable: true });
  expect((failure as Error).message).toContain(`127.0.0.1:${port}/vigil`);
  expect((failure as Error).message).not.toContain('secret');
  expect((failure as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
  await conn.close();
});

it('gives up connecting to a server that never answers after the connect timeout', async () => {
  const port = await silentServer();
  // Without a connect timeout `pg` waits for the server's greeting forever, and this test times out.
  const conn = new PgConnection({
    url: `postgres://vigil:secret@127.0.0.1:${port}/vigil`,
    logger: silentLogger,
    retryForMs: 0,
    connectTimeoutMs: 300,
  });
  const failure = await conn.query('SELECT 1').catch((error: unknown) => error);
  expect(failure).toMatchObject({ code: 'store_unavailable', retryable: true });
  expect((failure as Error).message).toMatch(/connection timeout/i);
  await conn.close();
});

it('refuses a VIGIL_DB_CONNECT_TIMEOUT_MS that is not a positive integer', () => {
  const before = process.env['VIGIL_DB_CONNECT_TIMEOUT_MS'];
  process.env['VIGIL_DB_CONNECT_TIMEOUT_MS'] = '10s';
  try {
    const failure = (() => {
      try {
        openStore('postgres://vigil@127.0.0.1:5432/vigil');
        return undefined;
      } catch (error) {
        return error;
      }
    })();
    expect(failure).toMatchObject({ code: 'invalid_argument' });
    expect((failure as Error).message).toContain('VIGIL_DB_CONNECT_TIMEOUT_MS');
  } finally {
    if (before === undefined) delete process.env['VIGIL_DB_CONNECT_TIMEOUT_MS'];
    else process.env['VIGIL_DB_CONNECT_TIMEOUT_MS'] = before;
  }
});

it('runs a transaction once, rolls it back when it throws, and runs it again after losing its connection', async () => {
  const schema = `t_${randomBytes(5).toString('hex')}`;
  const conn = new PgConnection({ url: inject('postgresUrl'), schema, logger: silentLogger, poolSize: 2 });
  await conn.query(`CREATE SCHEMA ${schema}`);
  await conn.query(`CREATE TABLE ${schema}.t (n INTEGER NOT NULL)`);
  const rows = async () => (await conn.query<{ n: number }>(`SELECT n FROM ${schema}.t ORDER BY n`)).map((r) => r.n);

  expect(
    await conn.transaction(async (tx) => (await tx.query(`INSERT INTO ${schema}.t VALUES (1) RETURNING n`)).length),
  ).toBe(1);

  const refused = conn.transaction(async (tx) => {
    await tx.query(`INSERT INTO ${schema}.t VALUES (2)`);
    throw new Error('changed my mind');
  });
  await expect(refused).rejects.toThrow('changed my mind');
  expect(await rows()).toEqual([1]);

  let runs = 0;
  await conn.transaction(async (tx) => {
    runs++;
    await tx.query(`INSERT INTO ${schema}.t VALUES (3)`);
    // The first run loses its connection half way: nothing of it commits, and it runs again.
    if (runs === 1) await tx.query('SELECT pg_terminate_backend(pg_backend_pid())');
  });
  expect(runs).toBe(2);
  expect(await rows()).toEqual([1, 3]);

  await conn.query(`DROP SCHEMA ${schema} CASCADE`);
  await conn.close();
});
