import { defineWorkflow } from 'vigil';
import { z } from 'zod';

import { GUEST_REQUEST_EVENT } from './late-checkout.js';
import type { GuestTools } from './tools.js';

/** How far back the sweep looks: the 6 hours since the previous sweep, plus an hour of margin. */
export const SWEEP_LOOKBACK_MS = 7 * 60 * 60 * 1000;

/**
 * Every six hours, asks the PMS for the requests of the last 7 hours that have no decision and
 * sends each one again as a `guest.request` event. A request whose webhook was lost starts its
 * late-checkout run now; one whose run exists (finished, or waiting for the front desk) starts
 * nothing, because the run is keyed by the request id, not by the event.
 */
export function requestsSweepWorkflow(tools: GuestTools) {
  return defineWorkflow(
    {
      name: 'guest.requests-sweep',
      version: 1,
      title: 'Guest requests sweep',
      description: 'Re-sends the PMS requests the webhook may have missed',
      input: z.object({}),
      schedule: { cron: '0 */6 * * *', jitter: '2m' },
    },
    async (ctx) => {
      const since = new Date(ctx.now() - SWEEP_LOOKBACK_MS).toISOString();
      const undecided = await ctx.tool(tools.undecidedRequests, { since }, { name: 'list' });
      const resent = [];
      for (const request of undecided) {
        const sent = await ctx.sendEvent(GUEST_REQUEST_EVENT, request, { name: `resend:${request.requestId}` });
        resent.push({ requestId: request.requestId, runs: sent.runs });
      }
      ctx.log.info('guest requests swept', { since, undecided: undecided.length });
      return { since, resent };
    },
  );
}
