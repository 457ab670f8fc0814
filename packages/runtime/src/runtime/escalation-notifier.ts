import { WAKE_UP, type Clock } from '../core/clock.js';
import { toErrorRecord } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { signedHeaders } from '../core/webhook-signature.js';
import type { OutboxMessage } from '../store/outbox-store.js';
import type { Store } from '../store/store.js';
import type { RuntimeEvents } from './events.js';

export interface NotifierOptions {
  /** Where escalations are POSTed, signed with `secret` (Standard Webhooks). None: the log only. */
  webhook?: { url: string; secret: string } | undefined;
  /**
   * Where alerts (`alert.fired`, `alert.resolved` messages) are POSTed, signed the same way
   * (`VigilOptions.alerts.webhook`). None: they were logged when they happened, and that is all.
   */
  alertWebhook?: { url: string; secret: string } | null | undefined;
  /** How often the outbox is checked besides the wake-ups of this process. Default 5 s. */
  pollMs?: number;
  /** Per delivery. Default 10 s. */
  timeoutMs?: number;
  /** Deliveries after which a message is given up (and logged as such). Default 20. */
  maxAttempts?: number;
}

/**
 * Delivers the outbox: every escalation is written to the log and, when configured, POSTed to a
 * webhook; alerts (logged by the process that fired them) go to the alert webhook. Each is retried with exponential backoff (1 s doubling to 1 h) until it answers 2xx. Messages
 * are claimed with a lease, so any number of processes can run a notifier and a crash while
 * delivering leads to a retry, not a loss (receivers dedupe on `webhook-id`).
 */
export class EscalationNotifier {
  private readonly stop = new AbortController();
  private wake = new AbortController();
  private loop: Promise<void> | undefined;
  private readonly unsubscribe: Array<() => void>;

  constructor(
    private readonly deps: { store: Store; clock: Clock; logger: Logger; events: RuntimeEvents },
    private readonly options: NotifierOptions = {},
  ) {
    const wake = (): void => this.wake.abort(WAKE_UP);
    this.unsubscribe = [
      deps.events.on('escalation.opened', wake),
      deps.events.on('alert.fired', wake),
      deps.events.on('alert.resolved', wake),
    ];
  }

  start(): void {
    this.loop ??= this.run();
  }

  async close(): Promise<void> {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    this.stop.abort(WAKE_UP);
    this.wake.abort(WAKE_UP);
    await this.loop;
  }

  /** Delivers what is due now; returns how many messages it handled. For tests and the loop. */
  async deliverDue(): Promise<number> {
    const { store, clock } = this.deps;
    const due = await store.outbox.claimDue(clock.now(), 10, 60_000);
    for (const message of due) await this.deliver(message);
    return due.length;
  }

  private async run(): Promise<void> {
    const pollMs = this.options.pollMs ?? 5_000;
    while (!this.stop.signal.aborted) {
      let handled = 0;
      try {
        handled = await this.deliverDue();
      } catch (error) {
        this.deps.logger.warn('could not read the notification outbox', { error: toErrorRecord(error).message });
      }
      if (handled > 0 || this.stop.signal.aborted) continue;
      await this.deps.clock.sleep(pollMs, this.wake.signal);
      if (this.wake.signal.aborted) this.wake = new AbortController();
    }
  }

  private async deliver(message: OutboxMessage): Promise<void> {
    if (message.topic.startsWith('alert.'))
      return this.send(message, this.options.alertWebhook ?? undefined, 'an alert');
    const { logger } = this.deps;
    const payload = JSON.parse(message.payload) as {
      escalation?: { id?: string; runId?: string; reason?: string; assignee?: string | null };
    };
    const escalation = payload.escalation ?? {};
    if (message.attempts === 1) {
      logger.warn(`escalation opened: ${escalation.reason ?? message.topic}`, {
        escalationId: escalation.id,
        runId: escalation.runId,
        assignee: escalation.assignee ?? null,
      });
    }
    return this.send(message, this.options.webhook, 'an escalation');
  }

  /** POSTs `message` to `webhook` (none: delivered as is), or schedules its retry. */
  private async send(
    message: OutboxMessage,
    webhook: { url: string; secret: string } | undefined,
    what: string,
  ): Promise<void> {
    const { store, clock, logger } = this.deps;
    if (!webhook) return store.outbox.delivered(message.id, clock.now());
    try {
      await this.post(webhook, message);
      await store.outbox.delivered(message.id, clock.now());
    } catch (error) {
      const reason = toErrorRecord(error).message;
      const maxAttempts = this.options.maxAttempts ?? 20;
      const giveUp = message.attempts >= maxAttempts;
      const retryAt = giveUp ? null : clock.now() + Math.min(3_600_000, 1000 * 2 ** (message.attempts - 1));
      const fields = { messageId: message.id, attempt: message.attempts, error: reason, retryAt };
      if (giveUp) logger.error(`gave up delivering ${what} webhook`, fields);
      else logger.warn(`${what} webhook failed; will retry`, fields);
      await store.outbox.failed(message.id, reason, retryAt, clock.now());
    }
  }

  private async post(webhook: { url: string; secret: string }, message: OutboxMessage): Promise<void> {
    const timestamp = Math.floor(this.deps.clock.now() / 1000);
    const response = await fetch(webhook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signedHeaders(webhook.secret, message.id, timestamp, message.payload),
      },
      body: message.payload,
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
    });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`${webhook.url} answered ${response.status}`);
  }
}
