/** The request schemas of the `spend` routes, shared by the routes that check requests and by `/openapi.json`. */
import { z } from 'zod';

export const SpendQuery = z
  .object({
    by: z.enum(['workflow', 'model', 'day', 'run', 'agent']).optional(),
    since: z.string().min(1).optional(),
    until: z.string().min(1).optional(),
    workflow: z.string().min(1).optional(),
  })
  .strict();

export const SetLimitBody = z
  .object({
    scope: z.enum(['run', 'step', 'agent', 'global']),
    key: z.string().min(1).max(300).optional(),
    usd: z.number().finite().min(0).nullable(),
  })
  .strict();
