/** An event as the APIs present it. */
export interface EventView {
  id: string;
  name: string;
  payload: unknown;
  /** The sender's id it was deduplicated on, if it gave one. */
  dedupeId: string | null;
  /** `api`, `cli`, `webhook:<source>`, `run:<runId>` (sent by `ctx.sendEvent`). */
  source: string;
  /** Who sent it: `key:<id>` over the API, `webhook:<source>`, `cli:<user>`; null when unknown. */
  principal: string | null;
  receivedAt: string;
  dispatchedAt: string | null;
}

/** What sending an event did: `vigil.sendEvent`, `POST /v1/events`, `ctx.sendEvent`. */
export interface SendResult {
  event: EventView;
  /** False when the id matched an event already received (nothing new was started or woken). */
  created: boolean;
  /** Runs started by workflows triggered on it. */
  runs: string[];
  /** Waiting runs it woke. */
  woke: number;
}
