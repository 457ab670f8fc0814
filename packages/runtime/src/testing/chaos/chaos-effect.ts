import { CHAOS_LEDGER_ENV } from './scenario-run.js';

/** What a side effect is and what it must happen once for. */
export interface ChaosEffect {
  /** The effect's name in the ledger, e.g. `pharmacy.order-placed`. */
  effect: string;
  /**
   * What the effect must happen once for, independent of keys: the run, the payment, the guest's
   * request. The report counts two records of one effect for one subject as a duplicate, so a
   * repeat under a new idempotency key is caught too.
   */
  subject: string;
  /** The idempotency key the call carried: the receiving service deduplicates by it. */
  idempotencyKey: string;
}

/**
 * For a simulated service inside a chaos worker that stands for one real service shared by
 * every worker (a pharmacy, a payment ledger, a messaging provider): makes the side effect through
 * the harness's external ledger (`VIGIL_CHAOS_LEDGER_URL`). Like the real service, the ledger
 * makes it once per idempotency key; resolves true when this call made it, false when the key was
 * seen before. Without the variable (not under `vigil chaos`) it sends nothing and resolves true,
 * so the service behaves as it always does.
 *
 * @throws Error when the ledger refuses the request.
 */
export async function recordChaosEffect(
  effect: ChaosEffect,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<boolean> {
  const url = env[CHAOS_LEDGER_ENV];
  if (!url) return true;
  const response = await fetch(`${url}/effect`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      tool: effect.effect,
      key: effect.subject,
      idempotencyKey: effect.idempotencyKey,
      // A tool call's key is `<runId>:<seq>`.
      runId: effect.idempotencyKey.split(':')[0],
    }),
  });
  if (!response.ok) throw new Error(`the chaos ledger answered ${response.status} to POST /effect`);
  return ((await response.json()) as { made: boolean }).made;
}
