import { defineWorkflow, type WorkflowContext } from 'vigil';

import { FrontDeskAnswer, GuestRequest, type Availability, type Decision } from './records.js';
import { decideLateCheckout, frontDeskDecision, guestMessage } from './rules.js';
import type { GuestTools } from './tools.js';

/** The event every PMS delivery becomes (the `pms` webhook source's `event`), and what the sweep sends. */
export const GUEST_REQUEST_EVENT = 'guest.request';

/**
 * A late-checkout request, from the PMS's webhook or the sweep: check the room, decide by the
 * rules (or ask the front desk when they cannot), record the decision in the PMS, tell the guest.
 *
 * Started by every `guest.request` event of type `late-checkout`, keyed by the request's id: the
 * webhook delivery, its redeliveries and the sweep's re-sends of one request start one run.
 */
export function lateCheckoutWorkflow(tools: GuestTools) {
  return defineWorkflow(
    {
      name: 'guest.late-checkout',
      version: 1,
      title: 'Late checkout',
      description: 'Decides a late-checkout request and answers the guest',
      input: GuestRequest,
      on: {
        event: GUEST_REQUEST_EVENT,
        match: { type: 'late-checkout' },
        idempotencyKey: (request) => `guest-request:${request.requestId}`,
      },
      // Two requests for one room are decided one after the other, each seeing the other's outcome.
      concurrency: { limit: 1, key: (request) => request.room },
      steps: [
        { name: 'availability', title: 'Room availability' },
        { name: 'decide', title: 'Decision' },
        { name: 'pms', title: 'PMS update' },
        { name: 'notify', title: 'Guest notification' },
      ],
    },
    async (ctx, request) => {
      const availability = await ctx.tool(
        tools.roomAvailability,
        { room: request.room, date: request.checkoutDate },
        { name: 'availability' },
      );
      const ruling = await ctx.step('decide', () => decideLateCheckout(request, availability));
      const decision = ruling.decided ? ruling.decision : await askFrontDesk(ctx, request, availability, ruling.reason);
      const recorded = await ctx.tool(
        tools.recordDecision,
        { requestId: request.requestId, decision },
        { name: 'pms' },
      );
      const message = await ctx.tool(
        tools.notifyGuest,
        { reservationId: request.reservationId, text: guestMessage(request, decision) },
        { name: 'notify' },
      );
      return { requestId: request.requestId, status: recorded.status, decision, messageId: message.messageId };
    },
  );
}

/**
 * Asks the front desk, blocking: the guest is waiting, so the desk has 15 minutes; without an
 * answer by then the standard checkout applies and the guest is told to ask at the desk.
 */
async function askFrontDesk(
  ctx: WorkflowContext,
  request: GuestRequest,
  availability: Availability,
  reason: string,
): Promise<Decision> {
  const answer = await ctx.escalate<FrontDeskAnswer>({
    name: 'front-desk',
    reason,
    summary: `${request.guestName}, room ${request.room}, asks to stay until ${request.requestedUntil} on ${request.checkoutDate}`,
    assignee: 'front-desk',
    blocking: true,
    timeout: '15m',
    onTimeout: 'skip',
    context: { request, availability },
  });
  if (answer.decision !== 'provide') return frontDeskDecision(request, null);
  const provided = FrontDeskAnswer.safeParse(answer.value);
  if (!provided.success) ctx.log.warn('the front desk answer is malformed', { value: answer.value });
  return frontDeskDecision(request, provided.success ? provided.data : null);
}
