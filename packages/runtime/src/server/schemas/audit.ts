/** The request schemas of the `audit` routes, shared by the routes that check requests and by `/openapi.json`. */
import { z } from 'zod';

export const AuditQuery = z
  .object({
    run: z.string().min(1).optional(),
    principal: z.string().min(1).optional(),
    type: z.string().min(1).optional(),
    after: z.coerce.number().int().min(0).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strict();
