import { z } from 'zod';

/** `GET /v1/runs/:id/logs`: one step's lines (`seq`, 0 for the workflow's own), a page size, a cursor. */
export const RunLogsQuery = z
  .object({
    seq: z.coerce.number().int().min(0).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
    after: z.string().regex(/^\d+$/, 'after must be a cursor from a previous page').optional(),
  })
  .strict();
