import { NonRetryableError, scriptedModel, type ScriptedModel, type ScriptedReply, type ScriptedRequest } from 'vigil';

import { readFaultSettings, type FaultEnvironment } from './fault-settings.js';
import { httpError } from './http-error.js';
import { proseSummary } from './summary.js';
import { factsOfSummaryPrompt } from './summary-prompt.js';

/** The offline model's name, as the price table and the ledger see it. */
export const DISCHARGE_MODEL_ID = 'discharge-scripted';

/**
 * LLM prices for the example, USD per million tokens (`VigilOptions.pricing`). The offline
 * model is priced as a mid-size hosted model would be, so the summary shows a cost in the run
 * view and the ledger and counts against the discharge's budget as a real one would.
 */
export const DISCHARGE_PRICING = {
  [DISCHARGE_MODEL_ID]: { input: 2, output: 8 },
} as const;

export interface DischargeModelOptions {
  /** Where `DISCHARGE_SUMMARY_DOWN` (and `DISCHARGE_FAULTS`) are read, at every call. Default `process.env`. */
  env?: FaultEnvironment;
}

/**
 * A script for a scripted model: the prose summary for a discharge-summary prompt, written from
 * the facts in the prompt (deterministic), and `undefined` for any other prompt, so scripts of
 * several examples compose (`(r) => dischargeScript(r) ?? otherScript(r)`). With the summary
 * fault on, it throws as a provider answering 503 does, so the call is retried, then falls back.
 *
 * @throws Error with `status: 503` while `DISCHARGE_SUMMARY_DOWN` (or the `demo` preset) is on.
 * @throws NonRetryableError (`discharge_prompt_invalid`) for a summary prompt whose facts cannot be read.
 */
export function dischargeSummaryScript(
  options: DischargeModelOptions = {},
): (request: ScriptedRequest) => ScriptedReply | undefined {
  const env = options.env ?? process.env;
  return ({ lastUserMessage }) => {
    const facts = factsOfSummaryPrompt(lastUserMessage);
    if (facts === undefined) return undefined;
    if (readFaultSettings(env).summaryDown) throw httpError('Summary model answered 503 Service Unavailable', 503);
    return proseSummary(facts);
  };
}

/**
 * The discharge's offline model: {@link dischargeSummaryScript} as a scripted model named
 * {@link DISCHARGE_MODEL_ID}. Any other prompt fails the call (without retries), by name.
 *
 * @example
 * createVigil({ llm: { models: { default: dischargeModel() } }, pricing: DISCHARGE_PRICING });
 */
export function dischargeModel(options: DischargeModelOptions = {}): ScriptedModel {
  const script = dischargeSummaryScript(options);
  return scriptedModel({
    modelId: DISCHARGE_MODEL_ID,
    script: (request) => {
      const reply = script(request);
      if (reply !== undefined) return reply;
      throw new NonRetryableError(`${DISCHARGE_MODEL_ID} answers discharge summary prompts only`, {
        code: 'scripted_prompt_unknown',
      });
    },
  });
}
