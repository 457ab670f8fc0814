import type { Store } from '../../store/store.js';

/**
 * Step kinds whose outcome the runtime announces (`step.completed` or `step.failed`), so the audit
 * trail should hold an entry for each of their final rows. Sleeps, memory writes and journaled
 * values (`now`, `random`, `uuid`) make no such event.
 */
const ANNOUNCED_KINDS: ReadonlySet<string> = new Set(['step', 'tool', 'llm', 'escalation', 'event']);
/** Statuses a step row ends in. */
const FINAL: ReadonlySet<string> = new Set(['completed', 'degraded', 'escalated', 'failed']);
const OUTCOME_TYPES = ['step.completed', 'step.failed'] as const;
const PAGE = 500;

/** Of a run's final step rows (announced kinds), how many the audit trail has an outcome entry for. */
export interface AuditCoverage {
  outcomes: number;
  missing: number;
}

/**
 * Compares a settled run's final step rows with its `step.completed` / `step.failed` audit
 * entries. Read once every worker has stopped, and the entries staged with steps chained
 * (PostgreSQL): a live worker may still hold entries it will append within
 * `audit.flushInterval`; those a SIGKILLed one held are gone (the crash window,
 * docs/governance.md).
 */
export async function auditCoverage(store: Store, runId: string): Promise<AuditCoverage> {
  const steps = await store.checkpoints.list(runId);
  const audited = new Set<number>();
  for (const type of OUTCOME_TYPES) {
    for (let afterSeq: number | undefined; ;) {
      const page = await store.audit.list({
        runId,
        type,
        limit: PAGE,
        ...(afterSeq === undefined ? {} : { afterSeq }),
      });
      for (const { data } of page) {
        const seq = typeof data === 'object' && data !== null && !Array.isArray(data) ? data['seq'] : undefined;
        if (typeof seq === 'number') audited.add(seq);
      }
      if (page.length < PAGE) break;
      afterSeq = page[page.length - 1]!.seq;
    }
  }
  const final = steps.filter((s) => ANNOUNCED_KINDS.has(s.kind) && FINAL.has(s.status));
  return { outcomes: final.length, missing: final.filter((s) => !audited.has(s.seq)).length };
}
