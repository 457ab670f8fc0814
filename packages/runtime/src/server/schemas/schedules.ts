/** The request schemas of the `schedules` routes, shared by the routes that check requests and by `/openapi.json`. */
import { z } from 'zod';

/** The cron options are checked by `validateSchedule`, whose messages say what is wrong with them. */
export const CreateScheduleBody = z
  .object({
    id: z.string().optional(),
    workflow: z.string().min(1, 'workflow must name a registered workflow'),
    cron: z.string(),
    timezone: z.string().optional(),
    jitter: z.union([z.string(), z.number()]).optional(),
    overlap: z.string().optional(),
    catchUp: z.string().optional(),
    catchUpWindow: z.union([z.string(), z.number()]).optional(),
    input: z.unknown().optional(),
  })
  .strict();

export const ListSchedulesQuery = z
  .object({
    workflow: z.string().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
    cursor: z.string().min(1).optional(),
  })
  .strict();
