import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { VigilError } from '../core/errors.js';

export const DEFAULT_URL = 'http://127.0.0.1:7400';

/** Where `vigil dev` writes its admin key, relative to the working directory by default. */
export const DEV_KEY_FILE = join('.vigil', 'dev-api-key');

/**
 * The API key client commands send: `VIGIL_API_KEY`, else the key `vigil dev` wrote to
 * `.vigil/dev-api-key` in `cwd`, else none. Never a command-line flag: arguments show in `ps`.
 */
export function resolveApiKey(
  env: Readonly<Record<string, string | undefined>> = process.env,
  cwd: string = process.cwd(),
): string | undefined {
  const fromEnv = env['VIGIL_API_KEY']?.trim();
  if (fromEnv) return fromEnv;
  const file = join(cwd, DEV_KEY_FILE);
  if (!existsSync(file)) return undefined;
  const fromFile = readFileSync(file, 'utf8').trim();
  return fromFile === '' ? undefined : fromFile;
}

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
  /** @param apiKey sent as `Authorization: Bearer`; default {@link resolveApiKey}. */
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string | undefined = resolveApiKey(),
  ) {}

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
          ...(this.apiKey === undefined ? {} : { authorization: `Bearer ${this.apiKey}` }),
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
        `${error?.message ?? `HTTP ${response.status}`}${where}${authHint(response.status, this.apiKey)}`,
        response.status,
      );
    }
    return body as T;
  }
}

/** What to do about a refused key: which variable carries it, and how to get one. */
function authHint(status: number, apiKey: string | undefined): string {
  if (status === 401) {
    return apiKey === undefined
      ? '. Set VIGIL_API_KEY to an API key (`vigil keys create --role operator`; `vigil dev` writes one to .vigil/dev-api-key).'
      : '. Set VIGIL_API_KEY to a valid API key (`vigil keys list` shows which are active).';
  }
  if (status === 403) return '. Set VIGIL_API_KEY to a key whose role allows this (`vigil keys create --role …`).';
  return '';
}
