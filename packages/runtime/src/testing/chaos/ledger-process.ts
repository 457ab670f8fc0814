/**
 * The chaos harness's external ledger, run as its own process (`node ledger-process.js <file>`):
 * the stand-in for the outside world a tool changes. Chaos workers POST each completed tool
 * execution to `/record`; user tools may POST their own side effects (`VIGIL_CHAOS_LEDGER_URL`),
 * or make them through `/effect` (see `recordChaosEffect`), which also deduplicates by idempotency
 * key as the receiving service would, in one step so two workers cannot both pass the check.
 * Every record is appended to `<file>` (JSON lines) before it is acknowledged, so the count
 * survives whatever happens to the workers. It knows nothing of Vigil's store.
 */
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: ledger-process <records.jsonl>\n');
  process.exit(2);
}
const records: unknown[] = [];

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    if (request.method === 'POST' && request.url === '/effect') {
      const effect = parse(Buffer.concat(chunks));
      if (
        typeof effect?.['tool'] !== 'string' ||
        typeof effect['key'] !== 'string' ||
        typeof effect['idempotencyKey'] !== 'string'
      ) {
        response.writeHead(400).end('{"error":"an effect needs string tool, key and idempotencyKey"}');
        return;
      }
      const made = !records.some(
        (r) =>
          (r as Record<string, unknown>)['tool'] === effect['tool'] &&
          (r as Record<string, unknown>)['idempotencyKey'] === effect['idempotencyKey'],
      );
      if (made) {
        const stamped = { ...effect, at: Date.now() };
        appendFileSync(file, `${JSON.stringify(stamped)}\n`);
        records.push(stamped);
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ made }));
    } else if (request.method === 'POST' && request.url === '/record') {
      let record: unknown;
      try {
        record = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        response.writeHead(400).end('{"error":"not JSON"}');
        return;
      }
      if (!record || typeof record !== 'object' || typeof (record as { key?: unknown }).key !== 'string') {
        response.writeHead(400).end('{"error":"a record needs a string key"}');
        return;
      }
      const stamped = { ...record, at: Date.now() };
      appendFileSync(file, `${JSON.stringify(stamped)}\n`);
      records.push(stamped);
      response.writeHead(204).end();
    } else if (request.method === 'GET' && request.url === '/records') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(records));
    } else response.writeHead(404).end();
  });
});
/** The JSON object in `body`, or undefined when it is not one. */
function parse(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`LEDGER http://127.0.0.1:${address.port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
