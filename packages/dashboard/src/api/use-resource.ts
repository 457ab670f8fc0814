import { useCallback, useEffect, useRef, useState } from 'react';

import { ApiError } from './client';

export type Resource<T> =
  | { state: 'loading'; data: T | null; reload: () => void }
  | { state: 'ready'; data: T; reload: () => void }
  | { state: 'unavailable'; data: null; reload: () => void }
  | { state: 'error'; data: T | null; error: Error; reload: () => void };

/**
 * Loads `load()` and keeps it fresh: again when `deps` change, on `reload()`, and every
 * `pollMs` when given. A 404 `route_not_found` is `unavailable` (the server lacks the route),
 * not an error. Data already shown stays while a reload is in flight.
 */
export function useResource<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
  pollMs?: number,
): Resource<T> {
  const [state, setState] = useState<
    { state: 'loading' | 'ready' | 'unavailable'; data: T | null } | { state: 'error'; data: T | null; error: Error }
  >({ state: 'loading', data: null });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(() => setTick((n) => n + 1), []);

  useEffect(() => {
    const controller = new AbortController();
    loadRef.current(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ state: 'ready', data });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        if (error instanceof ApiError && error.unavailable) setState({ state: 'unavailable', data: null });
        else setState((prev) => ({ state: 'error', data: prev.data, error: asError(error) }));
      },
    );
    return () => controller.abort();
  }, [...deps, tick]);

  useEffect(() => {
    if (pollMs === undefined) return;
    const timer = setInterval(reload, pollMs);
    return () => clearInterval(timer);
  }, [pollMs, reload]);

  return { ...state, reload } as Resource<T>;
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
