import { useEffect, useRef, useState } from 'react';

import type { ApiClient } from './client';
import { readEventStream, type StreamEvent } from './sse';

/** `live`: the stream is open; `polling`: it could not be (a server without it), so we poll; `ended`: the server closed it for good. */
export type StreamMode = 'connecting' | 'live' | 'polling' | 'ended';

/**
 * Follows the server-sent events at `path` and calls `onEvent` for each. When the stream
 * cannot be opened or breaks, it falls back to calling `onEvent({ event: 'poll' })` every
 * `pollMs`, so the page still updates. With `reconnect`, a stream the server ended is opened
 * again (the all-runs stream); without it, an end is final (a run's stream ends with the run).
 */
export function useEventStream(
  api: ApiClient,
  path: string | null,
  onEvent: (event: StreamEvent) => void,
  options: { pollMs: number; reconnect: boolean },
): StreamMode {
  const [mode, setMode] = useState<StreamMode>('connecting');
  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;
  const { pollMs, reconnect } = options;

  useEffect(() => {
    if (path === null) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setInterval> | undefined;
    const poll = () => {
      setMode('polling');
      timer = setInterval(() => onEventRef.current({ event: 'poll', data: null }), pollMs);
    };
    const open = async (): Promise<void> => {
      setMode('connecting');
      await readEventStream(
        api,
        path,
        (event) => {
          setMode('live');
          onEventRef.current(event);
        },
        controller.signal,
        () => setMode('live'),
      );
      if (controller.signal.aborted) return;
      if (!reconnect) {
        setMode('ended');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
      if (!controller.signal.aborted) return open();
    };
    open().catch(() => {
      if (!controller.signal.aborted) poll();
    });
    return () => {
      controller.abort();
      if (timer !== undefined) clearInterval(timer);
    };
  }, [api, path, pollMs, reconnect]);

  return mode;
}

export function StreamIndicator(props: { mode: StreamMode }) {
  const label = {
    connecting: 'connecting…',
    live: 'live',
    polling: 'polling (no event stream)',
    ended: 'final',
  }[props.mode];
  return <span className={`stream stream-${props.mode}`}>{label}</span>;
}
