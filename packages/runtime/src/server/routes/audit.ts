import { Hono } from 'hono';

import type { AuditClient } from '../../runtime/audit-client.js';
import { parseWith } from '../request-body.js';
import { AuditQuery } from '../schemas/audit.js';

/**
 * `/v1/audit`: the audit trail, oldest first, by run, principal or entry type, a page at a time
 * (`after` = the previous page's `next`). Entries come as stored, so a client can recompute the
 * chain; verifying the whole trail is `vigil audit verify`, on the database.
 */
export function auditRoutes(audit: AuditClient): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    const query = parseWith(AuditQuery, c.req.query(), 'invalid_request');
    return c.json(
      await audit.list({
        ...(query.run === undefined ? {} : { runId: query.run }),
        ...(query.principal === undefined ? {} : { principal: query.principal }),
        ...(query.type === undefined ? {} : { type: query.type }),
        ...(query.after === undefined ? {} : { after: query.after }),
        ...(query.limit === undefined ? {} : { limit: query.limit }),
      }),
    );
  });
  return app;
}
