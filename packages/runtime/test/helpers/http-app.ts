import { apiOptions } from '../../src/api-options.js';
import type { Vigil } from '../../src/compose.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Role } from '../../src/governance/api-keys.js';
import { createApp, type AppOptions } from '../../src/server/app.js';

export interface ApiAnswer<T> {
  status: number;
  body: T & { error?: { code: string; message: string; path: string | null } };
}

/** The options of the HTTP app over `vigil`'s clients (a 64 KiB body limit), with `overrides`. */
export function appOptions(vigil: Vigil, overrides: Partial<AppOptions> = {}): AppOptions {
  return { ...apiOptions(vigil, { logger: silentLogger, maxBodyBytes: 64 * 1024 }), ...overrides };
}

/**
 * A key of `role` on `vigil`'s store, for a request's `Authorization: Bearer` header.
 */
export async function createKey(vigil: Vigil, role: Role = 'admin', expires?: string): Promise<string> {
  await vigil.ready();
  return (await vigil.keys.create({ role, name: `test ${role}`, ...(expires ? { expires } : {}) })).key;
}

/**
 * The HTTP app over `vigil`'s clients, answering in process: `request('GET', '/v1/…')`. Sends
 * `options.key`, else a key of `options.role` (default admin) made on first use.
 */
export function httpApp(vigil: Vigil, options: { maxBodyBytes?: number; role?: Role; key?: string } = {}) {
  const app = createApp(
    appOptions(vigil, options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
  );
  let key: Promise<string> | undefined = options.key === undefined ? undefined : Promise.resolve(options.key);
  /** `body` is sent as is when a string (to send malformed JSON), else as JSON. */
  return async function request<T = Record<string, unknown>>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<ApiAnswer<T>> {
    key ??= createKey(vigil, options.role);
    const res = await app.request(path, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await key}` },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as ApiAnswer<T>['body'] };
  };
}
