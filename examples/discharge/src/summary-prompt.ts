import { NonRetryableError, type Duration, type RetryOptions } from 'vigil';

import { SummaryFacts } from './summary.js';

/** The summary call's failure policy, as the summary service had it: then the template. */
export const SUMMARY_POLICY = {
  timeout: '30s',
  retry: { attempts: 2, initialDelay: '1s' },
} as const satisfies { timeout: Duration; retry: RetryOptions };

/** A paragraph of prose is a few hundred tokens; also the output side of the cost reserved. */
export const SUMMARY_MAX_OUTPUT_TOKENS = 400;

export const SUMMARY_SYSTEM =
  'You write hospital discharge summaries for the patient and the care team: one short paragraph ' +
  'of plain prose, from the facts given and nothing else. Say what is still pending (a pharmacist ' +
  'review, a follow-up visit to be booked) as pending. No headings, no lists.';

/** The first line of every summary prompt: how a scripted model knows the prompt is one. */
const HEADING = 'Discharge facts (JSON):';

/** The user prompt of the summary call: the facts, as JSON under a fixed heading. */
export function summaryPrompt(facts: SummaryFacts): string {
  return `${HEADING}\n${JSON.stringify(facts, null, 2)}`;
}

/**
 * The facts of a summary prompt, or `undefined` when `prompt` is not one.
 *
 * @throws NonRetryableError (`discharge_prompt_invalid`) for a summary prompt whose facts cannot be read.
 */
export function factsOfSummaryPrompt(prompt: string): SummaryFacts | undefined {
  if (!prompt.startsWith(`${HEADING}\n`)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(prompt.slice(HEADING.length + 1));
  } catch (error) {
    throw new NonRetryableError(`The discharge summary prompt's facts are not JSON: ${String(error)}`, {
      code: 'discharge_prompt_invalid',
    });
  }
  const facts = SummaryFacts.safeParse(json);
  if (!facts.success) {
    throw new NonRetryableError(`The discharge summary prompt's facts are not a discharge's: ${facts.error.message}`, {
      code: 'discharge_prompt_invalid',
    });
  }
  return facts.data;
}
