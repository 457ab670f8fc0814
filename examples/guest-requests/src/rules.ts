import type { Availability, Decision, FrontDeskAnswer, GuestRequest } from './records.js';

export const STANDARD_CHECKOUT = '11:00';
/** Later than this is a day-use booking, which a person prices. */
const LATEST_BY_RULES = '16:00';
/** Until this, a late checkout is free; after it, it costs {@link LATE_FEE_USD} (free for gold members). */
const FREE_UNTIL = '13:00';
const LATE_FEE_USD = 30;
/** The earliest counter-offer worth making when the room is needed before the requested time. */
const EARLIEST_OFFER = '12:00';

/** What the rules make of a request: a decision, or a referral to the front desk with the reason. */
export type Ruling = { decided: true; decision: Decision } | { decided: false; reason: string };

/**
 * The hotel's late-checkout rules. A room needed by an arriving guest (after cleaning) cannot be
 * kept past that; until 13:00 it is free, until 16:00 it costs $30 (gold members free); later
 * than 16:00, or a room the PMS does not know, goes to the front desk.
 */
export function decideLateCheckout(request: GuestRequest, availability: Availability): Ruling {
  const until = request.requestedUntil;
  if (!availability.known) {
    return { decided: false, reason: `Room ${request.room} is not in the PMS inventory` };
  }
  if (until <= STANDARD_CHECKOUT) {
    return decided(true, STANDARD_CHECKOUT, 0, `Checkout is at ${STANDARD_CHECKOUT} anyway.`);
  }
  if (until > LATEST_BY_RULES) {
    return { decided: false, reason: `Checkout at ${until} is past ${LATEST_BY_RULES}: a day-use booking to price` };
  }
  const freeUntil =
    availability.nextArrival === null ? '23:59' : minus(availability.nextArrival, availability.cleaningMinutes);
  if (until > freeUntil) {
    const offer = freeUntil >= EARLIEST_OFFER ? ` We can offer checkout until ${freeUntil}.` : '';
    return decided(false, STANDARD_CHECKOUT, 0, `The room is needed for an arriving guest.${offer}`);
  }
  if (until <= FREE_UNTIL) return decided(true, until, 0, `Late checkout until ${until}, free of charge.`);
  const fee = request.loyaltyTier === 'gold' ? 0 : LATE_FEE_USD;
  return decided(
    true,
    until,
    fee,
    `Late checkout until ${until}${fee === 0 ? ', free for gold members' : `, $${fee}`}.`,
  );
}

/** The front desk's answer, or — when it did not answer in time — the standard checkout. */
export function frontDeskDecision(request: GuestRequest, answer: FrontDeskAnswer | null): Decision {
  if (answer === null) {
    return {
      approved: false,
      checkoutAt: STANDARD_CHECKOUT,
      feeUsd: 0,
      reason: 'The front desk could not confirm in time; please ask at the desk.',
      decidedBy: 'no-answer',
    };
  }
  const checkoutAt = answer.approved ? (answer.checkoutAt ?? request.requestedUntil) : STANDARD_CHECKOUT;
  return {
    approved: answer.approved,
    checkoutAt,
    feeUsd: answer.approved ? (answer.feeUsd ?? 0) : 0,
    reason: answer.note ?? (answer.approved ? `Late checkout until ${checkoutAt}.` : 'The room is needed.'),
    decidedBy: 'front-desk',
  };
}

/** What the guest reads. */
export function guestMessage(request: GuestRequest, decision: Decision): string {
  const greeting = `Dear ${request.guestName}, about your checkout from room ${request.room} on ${request.checkoutDate}:`;
  const answer = decision.approved
    ? `you may stay until ${decision.checkoutAt}.`
    : `we cannot extend it to ${request.requestedUntil}; checkout is at ${decision.checkoutAt}.`;
  return `${greeting} ${answer} ${decision.reason}`;
}

function decided(approved: boolean, checkoutAt: string, feeUsd: number, reason: string): Ruling {
  return { decided: true, decision: { approved, checkoutAt, feeUsd, reason, decidedBy: 'rules' } };
}

/** `HH:MM` minus `minutes`, not before midnight. */
function minus(time: string, minutes: number): string {
  const total = Math.max(0, Number(time.slice(0, 2)) * 60 + Number(time.slice(3)) - minutes);
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}
