import { WAKE_UP, type Clock } from '../core/clock.js';
import { toErrorRecord } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { AlertRecord } from '../store/alert-store.js';
import type { NewOutboxMessage } from '../store/outbox-store.js';
import type { Store } from '../store/store.js';
import { measureRule } from './alert-measure.js';
import type { AlertSettings } from './alert-options.js';
import type { ResolvedAlertRule } from './alert-rules.js';
import { toAlertView, type AlertView } from './alert-view.js';
import type { RuntimeEvents } from './events.js';

export interface AlertEvaluatorDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  events: RuntimeEvents;
  /** Evaluation waits for it: the store's migrations. */
  ready: Promise<void>;
}

/** A transition this process made. */
export interface AlertTransition {
  type: 'alert.fired' | 'alert.resolved';
  alert: AlertView;
}

/**
 * Evaluates the alert rules every `intervalMs`. Every process with rules runs one; the store
 * lets exactly one of them make each transition (`AlertStore.observe`), and that one logs it
 * (warn when firing, info when resolved), emits `alert.fired`/`alert.resolved` (audited) and
 * has written its webhook announcement to the outbox in the same transaction, for the
 * notifier to deliver, retried, off this loop. A rule that cannot be measured is logged and
 * skipped; nothing here can fail a run.
 */
export class AlertEvaluator {
  private readonly stop = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly deps: AlertEvaluatorDeps,
    private readonly settings: AlertSettings,
  ) {}

  /** The rules this instance evaluates, checked and with their defaults. */
  get rules(): readonly ResolvedAlertRule[] {
    return this.settings.rules;
  }

  start(): void {
    if (this.settings.rules.length === 0) return;
    this.loop ??= this.run();
  }

  async close(): Promise<void> {
    this.stop.abort(WAKE_UP);
    await this.loop;
  }

  /** Where every rule stands, firing first, as the API shows it. */
  async list(): Promise<AlertView[]> {
    const records = await this.deps.store.alerts.list();
    return records.map((record) => toAlertView(record, this.settings.rules));
  }

  /** One pass over every rule; returns the transitions this process made. For the loop and tests. */
  async evaluate(): Promise<AlertTransition[]> {
    const previous = new Map((await this.deps.store.alerts.list()).map((a) => [a.ruleId, a]));
    const made: AlertTransition[] = [];
    for (const rule of this.settings.rules) {
      try {
        const transition = await this.evaluateRule(rule, previous.get(rule.id));
        if (transition) made.push(transition);
      } catch (error) {
        this.deps.logger.warn(`could not evaluate alert rule ${rule.id}`, { error: toErrorRecord(error).message });
      }
    }
    return made;
  }

  private async evaluateRule(
    rule: ResolvedAlertRule,
    before: AlertRecord | undefined,
  ): Promise<AlertTransition | null> {
    const { store, clock, logger, events } = this.deps;
    const now = clock.now();
    const measured = await measureRule(rule, store.signals, now);
    const type = measured.breached ? 'alert.fired' : 'alert.resolved';
    // The announcement as it will be if this evaluation makes the transition.
    const announced: AlertRecord = {
      ruleId: rule.id,
      state: measured.breached ? 'firing' : 'resolved',
      since: measured.breached ? now : (before?.since ?? now),
      resolvedAt: measured.breached ? null : now,
      value: measured.value,
      threshold: rule.threshold,
      message: measured.message,
      evaluatedAt: now,
    };
    const alert = toAlertView(announced, this.settings.rules);
    const notification: NewOutboxMessage = {
      id: `${type}:${rule.id}:${now}`,
      topic: type,
      payload: JSON.stringify({ type, alert }),
      createdAt: now,
    };
    const observed = await store.alerts.observe(
      {
        ruleId: rule.id,
        breached: measured.breached,
        value: measured.value,
        threshold: rule.threshold,
        message: measured.message,
        now,
      },
      notification,
    );
    if (observed.transition === null) return null;
    const fields = { alertId: rule.id, value: measured.value, threshold: rule.threshold };
    if (observed.transition === 'fired') logger.warn(`alert firing: ${measured.message}`, fields);
    else logger.info(`alert resolved: ${measured.message}`, fields);
    events.emit(type, {
      alertId: rule.id,
      kind: rule.kind,
      rule: rule.description,
      value: measured.value,
      threshold: rule.threshold,
      message: measured.message,
      since: announced.since,
    });
    return { type, alert };
  }

  private async run(): Promise<void> {
    try {
      await this.deps.ready;
    } catch {
      return; // Reported by whoever awaits ready(); there is nothing to evaluate against.
    }
    while (!this.stop.signal.aborted) {
      try {
        await this.evaluate();
      } catch (error) {
        this.deps.logger.warn('could not evaluate the alert rules', { error: toErrorRecord(error).message });
      }
      await this.deps.clock.sleep(this.settings.intervalMs, this.stop.signal);
    }
  }
}
