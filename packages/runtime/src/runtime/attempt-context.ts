import type { StepContext } from '../core/context.js';
import { InvalidArgumentError } from '../core/errors.js';
import { lazyLogger, type Logger } from '../core/logger.js';
import { stepIdempotencyKey } from '../core/step-identity.js';
import type { TokenCounts } from '../store/spend-store.js';
import type { RunLogs } from './run-logs.js';

/** What an LLM call's attempt reports: for the ledger, the step's detail and `spend.recorded`. */
export interface LlmUsage {
  /** The model's own name (what the price table saw). */
  model: string;
  tokens: TokenCounts;
  costUsd: number;
  latencyMs: number;
  /** The model's reasoning for its answer, when there is one: it goes to the audit trail. */
  reasoning?: string;
}

/** What a step body receives: the public `StepContext`, and where a tool reports its actual cost. */
export interface AttemptContext extends StepContext {
  reportCost(usd: number): void;
  /** An LLM call's usage; its `costUsd` is reported as the attempt's cost too. */
  reportLlmUsage(usage: LlmUsage): void;
}

/** What a body reported of its attempt's cost. */
export interface AttemptCost {
  usd?: number;
  llm?: LlmUsage;
}

/** Where an attempt's context reads its run from: the step runner's `StepHost`. */
interface AttemptRun {
  readonly runId: string;
  readonly signal: AbortSignal;
  readonly logs: RunLogs;
}

/**
 * The context of one attempt of a step body. A class, so that `signal` is a getter on its
 * prototype: the run's `AbortSignal` is made only when a body reads it, and most never do. Node 20
 * gives every `AbortSignal` a hidden class of its own, which with its `EventTarget` map was about
 * 0.7 KB per sleeping run kept out of the young generation (bench/README.md, benchmark 6). A getter
 * on an object literal instead would make every context a dictionary with an accessor pair in old
 * space ("Hidden classes on the per-step path").
 */
export class StepAttemptContext implements AttemptContext {
  readonly runId: string;
  readonly idempotencyKey: string;
  /** Made on first use: most steps never log, and a child logger per step is not free. */
  readonly log: Logger;

  constructor(
    private readonly run: AttemptRun,
    readonly stepName: string,
    readonly seq: number,
    readonly attempt: number,
    /** The attempt's own signal (a step with a timeout), else undefined: the run's. */
    private readonly ownSignal: AbortSignal | undefined,
    private readonly cost: AttemptCost,
  ) {
    this.runId = run.runId;
    this.idempotencyKey = stepIdempotencyKey(run.runId, seq);
    this.log = lazyLogger(() => run.logs.stepLogger({ seq, step: stepName, attempt }));
  }

  get signal(): AbortSignal {
    return this.ownSignal ?? this.run.signal;
  }

  reportCost(usd: number): void {
    if (typeof usd !== 'number' || !Number.isFinite(usd) || usd < 0) {
      throw new InvalidArgumentError(
        `reportCost of "${this.stepName}" needs USD (a finite number ≥ 0); got ${String(usd)}`,
      );
    }
    this.cost.usd = usd;
  }

  reportLlmUsage(usage: LlmUsage): void {
    this.cost.usd = usage.costUsd;
    this.cost.llm = usage;
  }
}
