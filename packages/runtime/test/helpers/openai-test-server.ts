import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer: plain text, or text with token counts and tool calls. */
export type TestReply =
  | string
  | {
      text: string;
      usage?: { prompt: number; completion: number };
      /** Function calls, by the name the server was offered (`ledger_lookup`). */
      toolCalls?: { name: string; args: unknown }[];
    };

/** What the server does with the next request, instead of answering. */
export type TestFault =
  | { kind: 'rate_limited'; retryAfterSeconds: number }
  | { kind: 'server_error' }
  | { kind: 'bad_request' }
  /** Accepts the request and never answers (until the client gives up or the server closes). */
  | { kind: 'hang' };

/** What the server saw of one chat completions request. */
export interface SeenRequest {
  model: string;
  stream: boolean;
  messages: { role: string; content: unknown }[];
  body: Record<string, unknown>;
}

/**
 * A local OpenAI-compatible chat completions server on 127.0.0.1 for tests: real HTTP, real
 * JSON and server-sent events, scripted replies, and knobs for the failures a hosted model
 * shows (429 with Retry-After, 500, a request that hangs, a server that is down). `completed`
 * counts requests answered in full: the number a crash test says must not grow twice.
 */
export class OpenAiTestServer {
  /** Requests answered in full (the whole body, or the whole stream). */
  completed = 0;
  /** Every request received, answered or not. */
  readonly seen: SeenRequest[] = [];
  /** The requests answered in full, in order: count one prompt's completed requests here. */
  readonly answered: SeenRequest[] = [];
  private readonly faults: TestFault[] = [];
  private readonly faultsAt = new Map<number, TestFault>();
  private readonly hanging = new Set<ServerResponse>();
  private server: Server | undefined;
  private port = 0;

  /** @param reply the answer to each request, or a function of it (default: echo the last message). */
  constructor(private reply: (request: SeenRequest, index: number) => TestReply = echo) {}

  /** The base URL to give a provider: `http://127.0.0.1:<port>/v1`. */
  get baseURL(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  /** Replies in order, then the last one again. */
  script(replies: TestReply[]): this {
    this.reply = (_request, index) => replies[Math.min(index, replies.length - 1)]!;
    return this;
  }

  /** The next requests meet these faults, one each, before answers resume. */
  fail(...faults: TestFault[]): this {
    this.faults.push(...faults);
    return this;
  }

  /**
   * The request with this index (0-based, in order of arrival, as in `seen`) meets `fault`; the
   * queue of `fail` is left for the others. E.g. `failAt(1, { kind: 'hang' })`: the first request
   * is answered, the second hangs, the third is answered.
   */
  failAt(index: number, fault: TestFault): this {
    this.faultsAt.set(index, fault);
    return this;
  }

  async start(port = this.port): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Stops listening (the server is "down"); `start()` again brings it back on the same port. */
  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
      return;
    }
    let body: Record<string, unknown>;
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"bad JSON"}}');
      return;
    }
    const request: SeenRequest = {
      model: String(body['model']),
      stream: body['stream'] === true,
      messages: (body['messages'] as SeenRequest['messages']) ?? [],
      body,
    };
    const index = this.seen.push(request) - 1;
    const fault = this.faultsAt.get(index) ?? this.faults.shift();
    if (fault) return this.refuse(res, fault);
    const reply = this.reply(request, this.completed);
    const { text, usage, toolCalls = [] } = typeof reply === 'string' ? { text: reply, usage: undefined } : reply;
    const calls = toolCalls.map((call, i) => ({
      id: `call_${index}_${i}`,
      type: 'function',
      function: { name: call.name, arguments: JSON.stringify(call.args) },
    }));
    const finish = calls.length ? 'tool_calls' : 'stop';
    const prompt = usage?.prompt ?? Math.ceil(JSON.stringify(request.messages).length / 4);
    const completion = usage?.completion ?? Math.ceil(text.length / 4);
    const counts = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
    const id = `chatcmpl-${index}`;
    const base = { id, created: Math.floor(Date.now() / 1000), model: request.model };
    if (!request.stream) {
      const message = { role: 'assistant', content: text, ...(calls.length ? { tool_calls: calls } : {}) };
      const answer = { ...base, object: 'chat.completion', choices: [{ index: 0, message, finish_reason: finish }] };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...answer, usage: counts }));
      this.completed++;
      this.answered.push(request);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
    const chunk = { ...base, object: 'chat.completion.chunk' };
    send({ ...chunk, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
    for (const piece of text.match(/\S+\s*|\s+/g) ?? []) {
      send({ ...chunk, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
    }
    calls.forEach((call, i) => {
      const delta = { tool_calls: [{ index: i, ...call }] };
      send({ ...chunk, choices: [{ index: 0, delta, finish_reason: null }] });
    });
    send({ ...chunk, choices: [{ index: 0, delta: {}, finish_reason: finish }] });
    send({ ...chunk, choices: [], usage: counts });
    res.end('data: [DONE]\n\n');
    this.completed++;
    this.answered.push(request);
  }

  private refuse(res: ServerResponse, fault: TestFault): void {
    const json = { 'content-type': 'application/json' };
    switch (fault.kind) {
      case 'rate_limited':
        res
          .writeHead(429, { ...json, 'retry-after': String(fault.retryAfterSeconds) })
          .end('{"error":{"message":"rate limited","type":"rate_limit"}}');
        return;
      case 'server_error':
        res.writeHead(500, json).end('{"error":{"message":"internal error","type":"server_error"}}');
        return;
      case 'bad_request':
        res.writeHead(400, json).end('{"error":{"message":"bad request","type":"invalid_request_error"}}');
        return;
      case 'hang':
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return;
    }
  }
}

function echo(request: SeenRequest): TestReply {
  const last = request.messages.at(-1);
  return `You said: ${typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content)}`;
}
