import { recordChaosEffect } from 'vigil/testing';
import { NonRetryableError, scriptedModel, type ScriptedModel, type ScriptedReply, type ScriptedRequest } from 'vigil';

import { readFaultSettings, type FaultEnvironment } from './fault-settings.js';
import { mismatchOfGoal } from './investigation-goal.js';
import type { AdjustmentRequest, LedgerPayment, ProcessorTransaction } from './investigation-records.js';

/** The offline model's name, as the price table and the ledger see it. */
export const INVESTIGATION_MODEL_ID = 'reconciliation-scripted';

/** LLM prices for the example, USD per million tokens: a mid-size hosted model's, so turns show a cost. */
export const INVESTIGATION_PRICING = {
  [INVESTIGATION_MODEL_ID]: { input: 2, output: 8 },
} as const;

/** What the two records say: the cause in a sentence, and the adjustment that fixes it (if any). */
interface Diagnosis {
  cause: string;
  fix: AdjustmentRequest | undefined;
}

/**
 * A script for a scripted model that investigates like a careful analyst would, from the goal
 * and the tool results so far: turn 1 reads both records of the payment; turn 2 names the cause
 * (a processor fee the ledger never booked, a settled payment it never booked, a payment the
 * processor never saw) and proposes the adjustment with `ledger.adjust`, or answers if the
 * records explain nothing; turn 3 answers with the finding and what became of the proposal
 * (applied, or rejected: a `Denied: …` error). Deterministic. Returns `undefined` for any prompt
 * that is not an investigation, so scripts of several examples compose
 * (`(r) => dischargeScript(r) ?? investigationScript(r)`).
 */
export function investigationScript(): (request: ScriptedRequest) => ScriptedReply | undefined {
  return ({ lastUserMessage, toolResults }) => {
    const mismatch = mismatchOfGoal(lastUserMessage);
    if (!mismatch) return undefined;
    const { paymentId, processor } = mismatch;
    const ledger = toolResults.findLast((r) => r.tool === 'ledger_payment' && !r.isError);
    const transaction = toolResults.findLast((r) => r.tool === 'processor_transaction' && !r.isError);
    if (!ledger || !transaction) {
      return {
        text: `Before concluding anything I will read both records of ${paymentId}: the ledger's, and the one at ${processor}.`,
        toolCalls: [
          { tool: 'ledger.payment', args: { paymentId } },
          { tool: 'processor.transaction', args: { processor, paymentId } },
        ],
      };
    }
    const { cause, fix } = diagnose(ledger.output as LedgerPayment, transaction.output as ProcessorTransaction);
    const outcome = toolResults.findLast((r) => r.tool === 'ledger_adjust');
    if (!fix) return `${cause} I propose no adjustment.`;
    if (!outcome) {
      return {
        text: `${cause} I propose booking ${money(fix.amountCents, fix.currency)} against ${paymentId} to correct it.`,
        toolCalls: [{ tool: 'ledger.adjust', args: fix }],
      };
    }
    if (!outcome.isError) {
      const { adjustmentId } = outcome.output as { adjustmentId: string };
      return `${cause} Finance approved the adjustment of ${money(fix.amountCents, fix.currency)}; it is booked as ${adjustmentId}, and the ledger now agrees with ${processor}.`;
    }
    const told = String(outcome.output);
    if (told.startsWith('Denied:')) {
      // A rejection carries finance's note after the rule: that is the part worth repeating.
      const why = told.replace(/^Denied:\s*/, '').replace(/^Tool call \S+ denied by policy rule \S+:\s*/, '');
      return `${cause} Finance rejected the adjustment of ${money(fix.amountCents, fix.currency)} I proposed (${why}); the ledger is unchanged and the mismatch stays open.`;
    }
    return `${cause} The adjustment of ${money(fix.amountCents, fix.currency)} could not be booked (${told}); the ledger is unchanged.`;
  };
}

/** Reads the two records as an analyst would; an unexplained difference gets no fix. */
function diagnose(ledger: LedgerPayment, transaction: ProcessorTransaction): Diagnosis {
  const { paymentId, processor } = transaction;
  const reason = (why: string) => ({ paymentId, reason: why });
  if (ledger.balanceCents !== null && transaction.netCents !== null) {
    const currency = transaction.currency ?? ledger.currency ?? 'USD';
    const difference = transaction.netCents - ledger.balanceCents;
    if (difference === 0) {
      return { cause: `The ledger and ${processor} agree on ${money(ledger.balanceCents, currency)}.`, fix: undefined };
    }
    if (transaction.feeCents === -difference) {
      const cause =
        `${processor} kept a fee of ${money(transaction.feeCents, currency)} from the payout ` +
        `(gross ${money(transaction.grossCents ?? 0, currency)}, net ${money(transaction.netCents, currency)}), ` +
        'and the ledger never booked the fee.';
      return { cause, fix: { ...reason(`${processor} fee kept at settlement`), amountCents: difference, currency } };
    }
    const cause = `The ledger holds ${money(ledger.balanceCents, currency)} and ${processor} paid out ${money(transaction.netCents, currency)}; neither record explains the difference.`;
    return { cause, fix: undefined };
  }
  if (ledger.balanceCents === null && transaction.netCents !== null) {
    const currency = transaction.currency ?? 'USD';
    const cause = `${processor} settled ${money(transaction.netCents, currency)} for ${paymentId}, and the ledger never booked the payment.`;
    return {
      cause,
      fix: {
        ...reason(`settled by ${processor}, missing from the ledger`),
        amountCents: transaction.netCents,
        currency,
      },
    };
  }
  if (ledger.balanceCents !== null && ledger.balanceCents !== 0) {
    const currency = ledger.currency ?? 'USD';
    const cause = `The ledger books ${money(ledger.balanceCents, currency)} for ${paymentId}, and ${processor} has no record of it: it was never captured.`;
    return {
      cause,
      fix: {
        ...reason(`never captured by ${processor}: booking reversed`),
        amountCents: -ledger.balanceCents,
        currency,
      },
    };
  }
  return { cause: `Neither the ledger nor ${processor} holds anything for ${paymentId}.`, fix: undefined };
}

function money(cents: number, currency: string): string {
  return `${(cents / 100).toFixed(2)} ${currency}`;
}

export interface InvestigationModelOptions {
  /** Where `RECONCILIATION_MODEL_FAILURES` is read, at every call. Default `process.env`. */
  env?: FaultEnvironment;
}

/**
 * The investigation's offline model: {@link investigationScript} as a scripted model named
 * {@link INVESTIGATION_MODEL_ID}. Any other prompt fails the call (without retries), by name.
 * With `RECONCILIATION_MODEL_FAILURES` above 0, that share of the turns (chosen by a hash of the
 * payment and the turn) answers 503 once, as a provider having a bad moment does: the call is
 * retried, and the retry answers. Once per process; under `vigil chaos` once in all, since the
 * provider is one service every worker shares: the harness's ledger keeps which turns it failed
 * (`model.answered-503`), as it keeps the bookings, and a retry on another worker is answered.
 *
 * @example
 * createVigil({ llm: { models: { default: investigationModel() } }, pricing: INVESTIGATION_PRICING });
 */
export function investigationModel(options: InvestigationModelOptions = {}): ScriptedModel {
  const env = options.env ?? process.env;
  const script = investigationScript();
  /** The turns (payment, and how many tool results it was shown) this process failed or passed on. */
  const seen = new Set<string>();
  return scriptedModel({
    modelId: INVESTIGATION_MODEL_ID,
    script: async (request) => {
      const failures = readFaultSettings(env).modelFailures;
      const mismatch = mismatchOfGoal(request.lastUserMessage);
      if (failures > 0 && mismatch) {
        const turn = `${mismatch.paymentId}:turn-after-${request.toolResults.length}-results`;
        if (!seen.has(turn) && unitHash(turn) < failures) {
          seen.add(turn);
          if (await recordChaosEffect({ effect: 'model.answered-503', subject: turn, idempotencyKey: turn }, env)) {
            throw Object.assign(new Error(`${INVESTIGATION_MODEL_ID} answered 503 Service Unavailable`), {
              status: 503,
            });
          }
        }
      }
      const reply = script(request);
      if (reply !== undefined) return reply;
      throw new NonRetryableError(`${INVESTIGATION_MODEL_ID} answers reconciliation investigations only`, {
        code: 'scripted_prompt_unknown',
      });
    },
  });
}

/** FNV-1a of `text`, as a number in [0, 1). */
function unitHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0) / 2 ** 32;
}
