/** A notification to deliver, written in the transaction of the change it announces. */
export interface NewOutboxMessage {
  id: string;
  /** What it announces, e.g. `escalation.opened`. */
  topic: string;
  /** The JSON body to deliver. */
  payload: string;
  createdAt: number;
}

export interface OutboxMessage extends NewOutboxMessage {
  /** Delivery attempts so far, counting the one this claim starts. */
  attempts: number;
  lastError: string | null;
}

/** The outbox aggregate: at-least-once delivery of notifications, shared by all processes. */
export interface OutboxStore {
  /**
   * Takes up to `limit` messages due by `now`, oldest first, counts an attempt on each and
   * hides them from other claimers until `now + leaseMs`, so a process that dies while
   * delivering leaves them to be retried.
   */
  claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxMessage[]>;
  /** The message was delivered; it is never claimed again. */
  delivered(id: string, now: number): Promise<void>;
  /** Delivery failed: try again at `retryAt`, or never (`null`: gave up). */
  failed(id: string, error: string, retryAt: number | null, now: number): Promise<void>;
}
