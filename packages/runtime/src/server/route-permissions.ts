import type { Permission } from '../governance/api-keys.js';

/**
 * What a route needs: a permission of the caller's key role, `public` (no key at all), or
 * `signature` (the route authenticates its sender itself, with no API key).
 */
export type RouteAccess = Permission | 'public' | 'signature';

/**
 * Every route's access, in one place, keyed `METHOD /path/:param` as Hono reports routes
 * (`app.routes`). A route missing here is refused to every key (`permission_denied`), and the
 * route-matrix test fails for it: adding a route means adding its line.
 *
 * Rules: every GET is `read`, except key management; starting runs and sending events is
 * `trigger`; acting on runs, escalations, dead letters, breakers and schedule slots is
 * `operate`; adding and removing schedules and managing keys is `admin`.
 *
 * `GET /*` (the web dashboard's files and pages, registered after every API route) is `public`:
 * the dashboard asks for a key itself. Unknown API paths that fall through to it still need a
 * valid key before they are told 404.
 *
 * `POST /v1/webhooks/:source` is `signature`: an external sender cannot hold our key, so it
 * proves itself with the source's Standard Webhooks signature instead, and what it triggers
 * records the principal `webhook:<source>`.
 */
export const ROUTE_PERMISSIONS: Readonly<Record<string, RouteAccess>> = {
  'GET /healthz': 'public',
  // The API's description holds no data; tools fetch it before they hold a key.
  'GET /openapi.json': 'public',
  'GET /readyz': 'read',
  // Public instead when the instance's metrics option says so (`metrics.public`, VIGIL_METRICS_PUBLIC).
  'GET /metrics': 'read',
  'GET /': 'read',
  // The dashboard's files (only when it is served; `/` is then the dashboard, not the index).
  'GET /*': 'public',
  'POST /v1/runs': 'trigger',
  'GET /v1/runs': 'read',
  'GET /v1/runs/:id': 'read',
  'GET /v1/runs/:id/stream': 'read',
  'GET /v1/runs/:id/steps/:seq': 'read',
  'GET /v1/runs/:id/logs': 'read',
  'POST /v1/runs/:id/cancel': 'operate',
  'POST /v1/runs/:id/replay': 'operate',
  'GET /v1/overview': 'read',
  'GET /v1/stream': 'read',
  'GET /v1/workflows': 'read',
  'GET /v1/tools': 'read',
  'GET /v1/escalations': 'read',
  'GET /v1/escalations/:id': 'read',
  'POST /v1/escalations/:id/resolve': 'operate',
  'POST /v1/events': 'trigger',
  'GET /v1/events': 'read',
  'GET /v1/events/:id': 'read',
  'GET /v1/schedules': 'read',
  'POST /v1/schedules': 'admin',
  'GET /v1/schedules/:id': 'read',
  'POST /v1/schedules/:id/pause': 'operate',
  'POST /v1/schedules/:id/resume': 'operate',
  'POST /v1/schedules/:id/trigger': 'operate',
  'DELETE /v1/schedules/:id': 'admin',
  'POST /v1/webhooks/:source': 'signature',
  'GET /v1/dead-letters': 'read',
  'GET /v1/dead-letters/:id': 'read',
  'POST /v1/dead-letters/:id/replay': 'operate',
  'GET /v1/breakers': 'read',
  'POST /v1/breakers/:key/reset': 'operate',
  'GET /v1/audit': 'read',
  // Reads the whole trail once; no more than walking `GET /v1/audit` to the end (see routes/audit.ts).
  'GET /v1/audit/verify': 'read',
  'GET /v1/alerts': 'read',
  'GET /v1/agents/:name/memory': 'read',
  'GET /v1/spend': 'read',
  'GET /v1/budgets': 'read',
  'PUT /v1/budgets': 'operate',
  // Who the calling key is: its id, name, role and permissions (the dashboard's login).
  'GET /v1/whoami': 'read',
  'GET /v1/keys': 'admin',
  'POST /v1/keys': 'admin',
  'DELETE /v1/keys/:id': 'admin',
};
