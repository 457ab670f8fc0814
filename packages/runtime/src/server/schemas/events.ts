/** The request schemas of the `events` routes, shared by the routes that check requests and by `/openapi.json`. */
import { z } from 'zod';

export const SendEventBody = z
  .object({
    name: z.string().min(1, 'name must name the event, e.g. discharge.ordered'),
    payload: z.unknown().optional(),
    id: z.string().optional(),
  })
  .strict();

export const ListEventsQuery = z
  .object({
    name: z.string().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
    cursor: z.string().min(1).optional(),
  })
  .strict();
