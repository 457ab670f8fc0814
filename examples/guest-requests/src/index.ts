import { lateCheckoutWorkflow } from './late-checkout.js';
import { requestsSweepWorkflow } from './requests-sweep.js';
import { createHotelSystems } from './systems.js';
import { guestTools } from './tools.js';

export { GUEST_REQUEST_EVENT, lateCheckoutWorkflow } from './late-checkout.js';
export { requestsSweepWorkflow, SWEEP_LOOKBACK_MS } from './requests-sweep.js';
export { ARRIVALS, createHotelSystems } from './systems.js';
export type { HotelSystems, HotelSystemsOptions, StoredRequest } from './systems.js';
export { guestTools, type GuestTools } from './tools.js';
export { decideLateCheckout, frontDeskDecision, guestMessage, STANDARD_CHECKOUT, type Ruling } from './rules.js';
export { PMS_DEV_SECRET, pmsWebhookSource } from './webhook-source.js';
export * from './records.js';

/** This process's tools, on a simulated PMS that reads `GUEST_*` variables from `process.env`. */
export const tools = guestTools(createHotelSystems());

/** The workflows `npm start` serves. */
export const lateCheckout = lateCheckoutWorkflow(tools);
export const requestsSweep = requestsSweepWorkflow(tools);
