import type { SignalStore } from '../store/signal-store.js';
import { humanMs, type ResolvedAlertRule } from './alert-rules.js';

/** What one evaluation of a rule found. */
export interface AlertMeasurement {
  breached: boolean;
  value: number;
  message: string;
}

/** At most this many stuck runs are looked at (and the value counts up to it). */
export const STUCK_LIMIT = 100;

/**
 * Measures `rule` now. A rate over fewer than `minSample` finished runs (or attempts) counts as
 * healthy: too little to judge, and a firing alert resolves rather than staying up on old news.
 */
export async function measureRule(
  rule: ResolvedAlertRule,
  signals: SignalStore,
  now: number,
): Promise<AlertMeasurement> {
  const window = rule.windowMs ?? 0;
  const over = `over ${humanMs(window)}`;
  const of = rule.workflow ? ` of ${rule.workflow}` : '';
  const pct = (n: number): string => `${Math.round(n * 1000) / 10}%`;
  switch (rule.kind) {
    case 'success_rate': {
      const o = await signals.runOutcomes(now - window, rule.workflow ?? undefined);
      const finished = o.succeeded + o.failed;
      const value = finished === 0 ? 1 : o.succeeded / finished;
      const breached = finished >= rule.minSample && value < rule.threshold;
      const message = `Success rate${of} ${pct(value)} (${o.succeeded} of ${finished} finished runs ${over}); threshold ${pct(rule.threshold)}`;
      return { breached, value, message };
    }
    case 'escalation_rate': {
      const o = await signals.runOutcomes(now - window, rule.workflow ?? undefined);
      const value = o.started === 0 ? 0 : o.escalated / o.started;
      const breached = o.started >= rule.minSample && value > rule.threshold;
      const message = `Escalation rate${of} ${pct(value)} (${o.escalated} of ${o.started} runs ${over}); threshold ${pct(rule.threshold)}`;
      return { breached, value, message };
    }
    case 'tool_failure_rate': {
      const t = await signals.toolOutcomes(now - window, rule.tool ?? '');
      const value = t.attempts === 0 ? 0 : t.failures / t.attempts;
      const breached = t.attempts >= rule.minSample && value > rule.threshold;
      const message = `Tool ${rule.tool} failed ${pct(value)} of its attempts (${t.failures} of ${t.attempts} ${over}); threshold ${pct(rule.threshold)}`;
      return { breached, value, message };
    }
    case 'dead_letters': {
      const value = await signals.deadLetterDepth(rule.workflow ?? undefined);
      return {
        breached: value > rule.threshold,
        value,
        message: `${value} dead letter${value === 1 ? '' : 's'}${of} waiting for an operator; threshold ${rule.threshold}`,
      };
    }
    case 'stuck_runs': {
      const ids = await signals.stuckRuns(now - window, STUCK_LIMIT);
      const shown = ids.slice(0, 5).join(', ') + (ids.length > 5 ? ', …' : '');
      const message =
        ids.length === 0
          ? `No run without a step change for ${humanMs(window)}`
          : `${ids.length}${ids.length === STUCK_LIMIT ? '+' : ''} run(s) without a step change for ${humanMs(window)}: ${shown}`;
      return { breached: ids.length > rule.threshold, value: ids.length, message };
    }
  }
}
