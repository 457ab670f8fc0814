/**
 * The chaos harness's external ledger (docs/chaos.md, "Using it on your own agent", step 3), as
 * this example's simulated systems use it. A simulated system lives inside one worker process,
 * but the real one it stands for is shared by every worker: under `vigil chaos`
 * (`VIGIL_CHAOS_LEDGER_URL` set), a system asks the ledger whether an effect under a key already
 * happened — its own deduplication by key, as the real service's — and records each effect it
 * makes there, so a repeat is counted by a process that is not Vigil. Without the variable,
 * nothing here sends a request and the systems behave as they always do.
 */

/** The variable `vigil chaos` sets in its workers (`CHAOS_LEDGER_ENV` in `vigil/testing`). */
export const CHAOS_LEDGER_VARIABLE = 'VIGIL_CHAOS_LEDGER_URL';

interface LedgerRecord {
  tool: string;
  key: string;
}

/**
 * Makes the effect `effect` under `key` at most once across every worker the ledger serves:
 * true when this call makes it (and it is now recorded), false when the ledger already holds
 * it. Without a ledger in `env`, true: the caller's own per-process deduplication decides.
 */
export async function effectOnce(
  env: Readonly<Record<string, string | undefined>>,
  effect: string,
  key: string,
): Promise<boolean> {
  const url = env[CHAOS_LEDGER_VARIABLE];
  if (!url) return true;
  const listed = await fetch(`${url}/records`);
  if (!listed.ok) throw new Error(`the chaos ledger answered ${listed.status} to GET /records`);
  const records = (await listed.json()) as LedgerRecord[];
  if (records.some((r) => r.tool === effect && r.key === key)) return false;
  const recorded = await fetch(`${url}/record`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tool: effect, key, runId: key.split(':')[0] }),
  });
  if (!recorded.ok) throw new Error(`the chaos ledger answered ${recorded.status} to POST /record`);
  return true;
}
