import { describe, expect, it } from 'vitest';

import { SseParser, type StreamEvent } from './sse';

function parse(chunks: string[]): StreamEvent[] {
  const events: StreamEvent[] = [];
  const parser = new SseParser((event) => events.push(event));
  for (const chunk of chunks) parser.push(chunk);
  return events;
}

describe('SseParser', () => {
  it('reads named events with JSON data, as the run stream sends them', () => {
    expect(
      parse([
        'event: snapshot\ndata: {"id":"r1","status":"running"}\n\n',
        'event: step.completed\ndata: {"seq":2}\n\n',
      ]),
    ).toEqual([
      { event: 'snapshot', data: { id: 'r1', status: 'running' } },
      { event: 'step.completed', data: { seq: 2 } },
    ]);
  });

  it('puts together an event split anywhere across chunks, CRLF line ends included', () => {
    const text = 'event: run.completed\r\ndata: {"output":{"ok":true}}\r\n\r\n';
    for (let cut = 1; cut < text.length; cut++) {
      expect(parse([text.slice(0, cut), text.slice(cut)]), `cut at ${cut}`).toEqual([
        { event: 'run.completed', data: { output: { ok: true } } },
      ]);
    }
  });

  it('skips heartbeat comments, joins multi-line data, defaults the name to message, keeps non-JSON as text', () => {
    expect(parse([': heartbeat\n\n', 'data: line one\ndata: line two\n\n', 'event: x\ndata:{"a":1}\n\n'])).toEqual([
      { event: 'message', data: 'line one\nline two' },
      { event: 'x', data: { a: 1 } },
    ]);
  });

  it('sends nothing for an event whose blank line has not arrived yet', () => {
    expect(parse(['event: step.started\ndata: {"seq":1}\n'])).toEqual([]);
  });
});
