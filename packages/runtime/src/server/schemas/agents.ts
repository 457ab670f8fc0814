/** The request schemas of the `agents` routes, shared by the routes that check requests and by `/openapi.json`. */
import { z } from 'zod';

export const MemoryQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).optional(),
    after: z.string().optional(),
  })
  .strict();
