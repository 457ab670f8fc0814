import type { ApiClient } from './client';

/** One server-sent event: its `event:` name (default `message`) and its `data:` parsed as JSON. */
export interface StreamEvent {
  event: string;
  data: unknown;
}

/**
 * Parses a `text/event-stream` body incrementally: feed it chunks as they arrive, it calls
 * `onEvent` for each complete event. Comments (`: heartbeat`) are skipped; `data:` lines of one
 * event are joined with newlines, as the SSE standard says.
 */
export class SseParser {
  private buffer = '';
  private event = 'message';
  private data: string[] = [];

  constructor(private readonly onEvent: (event: StreamEvent) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.search(/\r\n|\r|\n/)) !== -1) {
      // A CR at the end of a chunk may be the first half of a CRLF: wait for the next chunk.
      if (newline === this.buffer.length - 1 && this.buffer.endsWith('\r')) return;
      const line = this.buffer.slice(0, newline);
      const width = this.buffer.startsWith('\r\n', newline) ? 2 : 1;
      this.buffer = this.buffer.slice(newline + width);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) this.onEvent({ event: this.event, data: parseData(this.data.join('\n')) });
      this.event = 'message';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
  }
}

function parseData(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Reads the event stream at `path` with `fetch` (EventSource cannot send the Authorization
 * header). Resolves when the server ends the stream; rejects when it cannot be opened (a 404
 * route on an older server, a refused key) or breaks — the caller then falls back to polling.
 * `onOpen` is called once the server has accepted it: a quiet deployment's stream sends no event
 * (and only comments, every 15 s) for as long as nothing changes, yet it is open.
 */
export async function readEventStream(
  api: ApiClient,
  path: string,
  onEvent: (event: StreamEvent) => void,
  signal: AbortSignal,
  onOpen: () => void = () => {},
): Promise<void> {
  const res = await fetch(path, { headers: api.headers({ accept: 'text/event-stream' }), signal });
  if (!res.ok || res.body === null) {
    await res.body?.cancel();
    throw new Error(`The event stream ${path} answered ${res.status}`);
  }
  onOpen();
  const parser = new SseParser(onEvent);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    parser.push(value);
  }
}
