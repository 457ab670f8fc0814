/** The request schemas of the `dead-letters` routes, shared by the routes that check requests and by `/openapi.json`. */
import { z } from 'zod';

export const ListDeadLettersQuery = z
  .object({
    workflow: z.string().min(1).optional(),
    includeReplayed: z
      .enum(['true', 'false'])
      .transform((value) => value === 'true')
      .optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
    cursor: z.string().min(1).optional(),
  })
  .strict();

/** An empty body replays from the last good checkpoint. */
export const ReplayBody = z
  .object({
    fromStep: z.string().min(1, 'fromStep must name a step of the run').optional(),
    input: z.unknown().optional(),
  })
  .strict()
  .refine((body) => body.fromStep === undefined || body.input === undefined, {
    path: ['input'],
    message: 'give fromStep (re-run the same run from a step) or input (a new run), not both',
  })
  .optional();
