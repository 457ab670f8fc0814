/** The request schemas of `/v1/runs`, shared by the routes that check requests and by `/openapi.json`. */
import { z } from 'zod';

export const StartRunBody = z
  .object({
    workflow: z.string().min(1, 'workflow must name a registered workflow'),
    input: z.unknown().optional(),
    /** Seconds (0–600) ahead of runs queued at the same time; checked by the client, which names it. */
    priority: z.unknown().optional(),
  })
  .strict();

export const ListRunsQuery = z
  .object({
    status: z.string().optional().describe('One run status, or several separated by commas'),
    workflow: z.string().optional(),
    from: z.string().optional().describe('Created at or after this ISO 8601 time'),
    to: z.string().optional().describe('Created before this ISO 8601 time'),
    q: z.string().optional().describe('A run id or the start of one, or text found in the input (case-insensitive)'),
    limit: z.coerce.number().int().min(1).max(500).optional(),
    cursor: z.string().optional().describe('`nextCursor` of the previous page'),
  })
  .strict();

export const ReplayRunBody = z
  .object({
    fromSeq: z
      .number()
      .int('fromSeq must be a whole number')
      .min(1, 'fromSeq must be a step sequence number, from 1')
      .optional()
      .describe('Re-execute from this step; the steps before it keep their checkpoints'),
  })
  .strict()
  .optional();

export const OverviewQuery = z
  .object({
    window: z
      .string()
      .optional()
      .describe('Whole hours or days up to 90d, e.g. 24h (hourly buckets up to 48h, daily above)'),
  })
  .strict();

/** `GET /v1/runs/:id/steps/:seq`: the step's sequence number in the run, from 1. */
export const StepParams = z.object({
  seq: z.coerce.number().int('seq must be a whole number').min(1, 'seq must be a step sequence number, from 1'),
});
