import { apiOptions } from '../../src/api-options.js';
import type { Vigil } from '../../src/compose.js';
import { silentLogger } from '../../src/core/logger.js';
import { createApp, type AppOptions } from '../../src/server/app.js';

export interface ApiAnswer<T> {
  status: number;
  body: T & { error?: { code: string; message: string; path: string | null } };
}

/** The options of the HTTP app over `vigil`'s clients (a 64 KiB body limit), with `overrides`. */
export function appOptions(vigil: Vigil, overrides: Partial<AppOptions> = {}): AppOptions {
  return { ...apiOptions(vigil, { logger: silentLogger, maxBodyBytes: 64 * 1024 }), ...overrides };
}

/** The HTTP app over `vigil`'s clients, answering in process: `request('GET', '/v1/…')`. */
export function httpApp(vigil: Vigil, options: { maxBodyBytes?: number } = {}) {
  const app = createApp(
    appOptions(vigil, options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
  );
  /** `body` is sent as is when a string (to send malformed JSON), else as JSON. */
  return async function request<T = Record<string, unknown>>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<ApiAnswer<T>> {
    const res = await app.request(path, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as ApiAnswer<T>['body'] };
  };
}
