import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';

import { PermissionDeniedError } from '../core/governance-errors.js';
import { roleAllows } from '../governance/api-keys.js';
import type { Caller, KeyClient } from '../runtime/key-client.js';
import type { RouteAccess } from './route-permissions.js';

/** What the auth middleware leaves on a request for the routes: who is calling. */
export type ApiEnv = { Variables: { caller: Caller } };

/**
 * Checks every request's API key against the permission its route declares in `permissions`.
 * Runs before the route (and before its body is read). A request no route matches still needs
 * a valid key, so the 404 says nothing to a stranger about which routes exist.
 *
 * Routes are found as Hono matched them: the first matched handler that is not middleware
 * (`ALL`). A route registered with `app.all` would therefore not be found; none is.
 */
export function requireApiKey(keys: KeyClient, permissions: Readonly<Record<string, RouteAccess>>): MiddlewareHandler {
  return async (c, next) => {
    const route = matchedRoutes(c).find((r) => r.method !== 'ALL');
    const routeKey = route === undefined ? null : `${route.method} ${route.path}`;
    const access = routeKey === null ? undefined : permissions[routeKey];
    if (access === 'public' || access === 'signature') return next();
    const caller = await keys.authenticate(bearerToken(c));
    if (routeKey !== null) {
      if (access === undefined) {
        throw new PermissionDeniedError(
          `No permission is declared for ${routeKey}, so it is refused to every key ` +
            '(declare it in server/route-permissions.ts)',
        );
      }
      if (!roleAllows(caller.role, access)) {
        throw new PermissionDeniedError(
          `The ${caller.role} role lacks the "${access}" permission that ${routeKey} needs`,
        );
      }
    }
    c.set('caller', caller);
    return next();
  };
}

/**
 * The key in `Authorization: Bearer <key>`; undefined when there is no header (`api_key_missing`);
 * any other header as it is, which the key check then refuses as malformed.
 */
export function bearerToken(c: Context): string | undefined {
  const header = c.req.header('authorization');
  if (header === undefined || header.trim() === '') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : header;
}

/**
 * The principal of the request's caller (`key:<id>`). Throws when the route was served without
 * {@link requireApiKey}: a route that records who acted must never record no one silently.
 */
export function principalOf(c: Context<ApiEnv>): string {
  const caller = c.get('caller') as Caller | undefined;
  if (!caller) throw new Error(`${c.req.method} ${c.req.path} was served without an authenticated caller`);
  return caller.principal;
}
