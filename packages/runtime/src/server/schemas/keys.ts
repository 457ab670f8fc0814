/** The request schemas of the `keys` routes, shared by the routes that check requests and by `/openapi.json`. */
import { z } from 'zod';

/** Role, name and expiry are checked by `KeyClient.create`, whose messages name the field. */
export const CreateKeyBody = z
  .object({
    name: z.string(),
    role: z.string(),
    /** A duration from now (`30d`) or an ISO date. */
    expires: z.string().optional(),
  })
  .strict();
