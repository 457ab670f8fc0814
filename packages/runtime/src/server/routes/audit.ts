import { Hono } from 'hono';

import type { AuditClient } from '../../runtime/audit-client.js';
import { parseWith } from '../request-body.js';
import { AuditQuery } from '../schemas/audit.js';

/**
 * `/v1/audit`: the audit trail, oldest first, by run, principal or entry type, a page at a time
 * (`after` = the previous page's `next`). Entries come as stored, so a client can recompute the
 * chain. `/v1/audit/verify` checks the whole chain as `vigil audit verify` does.
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

  // Verification reads the whole trail (a page of 1000 at a time, hashing each entry), so it
  // costs in proportion to the trail, like a full `GET /v1/audit` walk that `read` already
  // allows; it reveals nothing the entries do not. Hence `read`, not `admin`.
  app.get('/verify', async (c) => {
    const report = await audit.verifyAll();
    if (report.ok) {
      return c.json({
        ok: true,
        entries: report.count,
        lastSeq: report.lastSeq,
        head: report.head,
        headChecked: report.headChecked,
      });
    }
    return c.json({
      ok: false,
      entries: report.count,
      firstBadSeq: report.seq,
      damage: report.damage,
      reason: report.reason,
      headChecked: report.headChecked,
    });
  });
  return app;
}
