import { VigilError } from '../core/errors.js';

export const DEFAULT_URL = 'http://127.0.0.1:7400';

/** An error answer from the API, or no answer at all. */
export class ApiError extends VigilError {
  constructor(
    code: string,
    message: string,
    readonly status: number | null,
  ) {
    super(code, message);
  }
}

/** The CLI's view of the HTTP API. */
export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async request<T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<T> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: {
          accept: 'application/json',
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
    } catch (error) {
      throw new ApiError(
        'unreachable',
        `Cannot reach Vigil at ${this.baseUrl} (${(error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message}). ` +
          'Is `vigil dev` or `vigil server` running? Point to it with --url or VIGIL_URL.',
        null,
      );
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      throw new ApiError(
        'bad_response',
        `Vigil answered ${response.status} with a body that is not JSON`,
        response.status,
      );
    }
    if (!response.ok) {
      const error = (body as { error?: { code?: string; message?: string; path?: string | null } } | null)?.error;
      const where = error?.path ? ` (at ${error.path})` : '';
      throw new ApiError(
        error?.code ?? 'http_error',
        `${error?.message ?? `HTTP ${response.status}`}${where}`,
        response.status,
      );
    }
    return body as T;
  }
}
