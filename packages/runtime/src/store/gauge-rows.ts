import type { DeploymentGauges } from './gauge-store.js';

/** What both dialects' gauge query returns. */
export interface GaugeRow {
  open_escalations: number;
  dead_letters: number;
  oldest_ready: number | null;
  oldest_expired: number | null;
}

/** A gauge row and the breakers' statuses as gauges: the run waiting longest is the older of a ready run and an expired lease. */
export const BREAKER_STATUSES_SQL = 'SELECT key, status FROM breakers ORDER BY key';

export function toGauges(row: GaugeRow, breakers: DeploymentGauges['breakers']): DeploymentGauges {
  const waiting = [row.oldest_ready, row.oldest_expired].filter((at): at is number => at !== null);
  return {
    openEscalations: Number(row.open_escalations),
    deadLetters: Number(row.dead_letters),
    oldestReadyAt: waiting.length === 0 ? null : Math.min(...waiting.map(Number)),
    breakers,
  };
}
