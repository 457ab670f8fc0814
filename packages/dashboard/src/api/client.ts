/**
 * The one way the dashboard talks to Vigil: `fetch` on the same origin with the session's API
 * key as `Authorization: Bearer`. Every failure becomes an {@link ApiError} carrying the API's
 * stable `code`, so screens can tell "not available yet" (a route this server does not have)
 * from a real error.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly path: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The server has no such route (an older server, or a feature still being built). */
  get unavailable(): boolean {
    return this.status === 404 && this.code === 'route_not_found';
  }

  /** The key was refused: the session is over. */
  get unauthorized(): boolean {
    return this.status === 401;
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export class ApiClient {
  constructor(
    readonly key: string,
    private readonly onUnauthorized: (error: ApiError) => void = () => {},
  ) {}

  get<T>(path: string, query: Query = {}, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', withQuery(path, query), undefined, signal);
  }

  /** `headers`: extra request headers (`Idempotency-Key`). */
  post<T>(path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    return this.request<T>('POST', path, body, undefined, headers);
  }

  /** Headers for a raw `fetch` (the event streams). */
  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.key}`, ...extra };
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
    extra: Record<string, string> = {},
  ): Promise<T> {
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        headers: this.headers(body === undefined ? extra : { 'content-type': 'application/json', ...extra }),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ApiError(0, 'network_error', `The server does not answer (${String(error)})`);
    }
    const text = await res.text();
    const parsed = parseJson(text);
    if (!res.ok) {
      const error = errorOf(res.status, parsed, text);
      if (error.unauthorized) this.onUnauthorized(error);
      throw error;
    }
    return parsed as T;
  }
}

export function withQuery(path: string, query: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const search = params.toString();
  return search === '' ? path : `${path}?${search}`;
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function errorOf(status: number, body: unknown, text: string): ApiError {
  const error = (body as { error?: { code?: string; message?: string; path?: string | null } } | undefined)?.error;
  if (error?.code) return new ApiError(status, error.code, error.message ?? error.code, error.path ?? null);
  return new ApiError(status, `http_${status}`, text.slice(0, 200) || `HTTP ${status}`);
}
