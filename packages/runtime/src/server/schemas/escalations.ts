/** The request schemas of the `escalations` routes, shared by the routes that check requests and by `/openapi.json`. */
import { z } from 'zod';
import { ESCALATION_DECISIONS } from '../../store/escalation-store.js';

export const ListEscalationsQuery = z
  .object({
    status: z.enum(['open', 'resolved', 'timed_out', 'cancelled', 'all']).optional(),
    runId: z.string().min(1).optional(),
    assignee: z.string().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
    cursor: z.string().min(1).optional(),
  })
  .strict();

export const ResolveBody = z
  .object({
    decision: z.enum(ESCALATION_DECISIONS),
    value: z.unknown().optional(),
    note: z.string().max(2000).optional(),
    /** The person who decided, when the caller acts for someone; default the caller's key. */
    resolvedBy: z.string().min(1).max(200).optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    // A value is the step's result: required to provide one, meaningless (so refused) otherwise.
    if (body.decision === 'provide' && body.value === undefined) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'a "provide" decision needs the step\'s result' });
    } else if (body.decision !== 'provide' && body.value !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'only a "provide" decision takes a value' });
    }
  });
