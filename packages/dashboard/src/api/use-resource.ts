import { useCallback, useEffect, useRef, useState } from 'react';

import { ApiError } from './client';

export type Resource<T> =
  | { state: 'loading'; data: T | null; reload: () => void }
  | { state: 'ready'; data: T; reload: () => void }
  | { state: 'unavailable'; data: null; reload: () => void }
  | { state: 'error'; data: T | null; error: Error; reload: () => void };

type State<T> =
  { state: 'loading' | 'ready' | 'unavailable'; data: T | null } | { state: 'error'; data: T | null; error: Error };

/**
 * Loads `load()` and keeps it fresh: again when `deps` change (the old load is aborted), on
 * `reload()`, and every `pollMs` when given. Reloads never abort a load in flight — on a slow
 * server, aborting would mean never finishing one — they coalesce into one more load after it.
 * A 404 `route_not_found` is `unavailable` (the server lacks the route), not an error. Data
 * already shown stays while a reload is in flight.
 */
export function useResource<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
  pollMs?: number,
): Resource<T> {
  const [state, setState] = useState<State<T>>({ state: 'loading', data: null });
  const loadRef = useRef(load);
  loadRef.current = load;
  const current = useRef<{ controller: AbortController; busy: boolean; again: boolean } | null>(null);

  const run = useCallback(() => {
    const slot = current.current;
    if (slot === null) return;
    if (slot.busy) {
      slot.again = true;
      return;
    }
    slot.busy = true;
    const { signal } = slot.controller;
    loadRef
      .current(signal)
      .then(
        (data) => {
          if (!signal.aborted) setState({ state: 'ready', data });
        },
        (error: unknown) => {
          if (signal.aborted) return;
          if (error instanceof ApiError && error.unavailable) setState({ state: 'unavailable', data: null });
          else setState((prev) => ({ state: 'error', data: prev.data, error: asError(error) }));
        },
      )
      .finally(() => {
        slot.busy = false;
        if (slot.again && !signal.aborted) {
          slot.again = false;
          run();
        }
      });
  }, []);

  useEffect(() => {
    const slot = { controller: new AbortController(), busy: false, again: false };
    current.current = slot;
    setState((prev) => (prev.state === 'loading' ? prev : { state: 'loading', data: null }));
    run();
    return () => slot.controller.abort();
  }, deps);

  useEffect(() => {
    if (pollMs === undefined) return;
    const timer = setInterval(run, pollMs);
    return () => clearInterval(timer);
  }, [pollMs, run]);

  return { ...state, reload: run } as Resource<T>;
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
