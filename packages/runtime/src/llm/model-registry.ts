import type { LanguageModelV3 } from '@ai-sdk/provider';

import { InvalidArgumentError, NotFoundError } from '../core/errors.js';
import {
  checkModelSetting,
  isBilledProvider,
  isLanguageModel,
  resolveModelSetting,
  type ModelSetting,
} from './providers.js';
import { offlineModel } from './scripted-model.js';

/** A model: a setting Vigil resolves, or any AI SDK language model object. */
export type ModelChoice = ModelSetting | LanguageModelV3;

/**
 * `VigilOptions.llm`: the named models `ctx.llm({ model })` picks from. `default` is the one a
 * call without `model` uses; `VIGIL_LLM_URL` in the environment overrides it.
 *
 * @example
 * llm: { models: { default: { provider: 'openai', model: 'gpt-4.1' }, fast: { provider: 'ollama', model: 'qwen3:8b' } } }
 */
export interface LlmOptions {
  models?: Readonly<Record<string, ModelChoice>>;
}

/** A named model, ready to call. */
export interface ResolvedModel {
  /** The name `ctx.llm` used (`default`, `fast`, …). */
  name: string;
  model: LanguageModelV3;
  /** The model's own name: what the price table and the ledger see. */
  modelId: string;
  /**
   * Whether a model missing from the price table is an error (hosted OpenAI and Anthropic)
   * rather than free: local servers, the scripted model and models passed as objects cost 0
   * unless priced.
   */
  billed: boolean;
}

type Entry = { kind: 'setting'; setting: ModelSetting } | { kind: 'object'; model: LanguageModelV3 };

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * The named models of one Vigil instance. Settings are checked when the registry is made and
 * resolved on first use (so a key missing for a model nobody calls is no error); without any
 * `default`, the offline scripted model answers for it.
 */
export class ModelRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly resolved = new Map<string, ResolvedModel>();

  /**
   * @param env where `VIGIL_LLM_URL`, `VIGIL_LLM_MODEL`, `VIGIL_LLM_API_KEY_ENV` and the keys are read.
   * @throws InvalidArgumentError naming the bad model or field.
   */
  constructor(
    options: LlmOptions = {},
    private readonly env: Readonly<Record<string, string | undefined>> = process.env,
  ) {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('llm must be { models: { name: model } }', { path: 'llm' });
    }
    const models = options.models ?? {};
    if (typeof models !== 'object' || models === null) {
      throw new InvalidArgumentError('llm.models must be an object of names to models', { path: 'llm.models' });
    }
    for (const [name, choice] of Object.entries(models)) {
      const path = `llm.models.${name}`;
      if (!NAME.test(name)) throw new InvalidArgumentError(`${path}: a model name is letters, digits, . _ -`, { path });
      this.entries.set(
        name,
        isLanguageModel(choice)
          ? { kind: 'object', model: choice }
          : { kind: 'setting', setting: checkModelSetting(choice, path) },
      );
    }
    const fromEnv = settingFromEnv(env);
    if (fromEnv) this.entries.set('default', { kind: 'setting', setting: fromEnv });
  }

  /** The names that can be called, `default` always among them. */
  names(): string[] {
    return [...new Set(['default', ...this.entries.keys()])].sort();
  }

  /**
   * The model named `name`.
   *
   * @throws NotFoundError (`llm_model_not_found`) for a name not configured.
   * @throws NonRetryableError (`llm_api_key_missing`) when its provider needs a key the environment lacks.
   */
  get(name: string): ResolvedModel {
    const known = this.resolved.get(name);
    if (known) return known;
    const entry = this.entries.get(name);
    let resolved: ResolvedModel;
    if (entry?.kind === 'setting') {
      const model = resolveModelSetting(entry.setting, this.env);
      resolved = { name, model, modelId: entry.setting.model, billed: isBilledProvider(entry.setting.provider) };
    } else if (entry) {
      resolved = { name, model: entry.model, modelId: entry.model.modelId, billed: false };
    } else if (name === 'default') {
      const model = offlineModel();
      resolved = { name, model, modelId: model.modelId, billed: false };
    } else {
      throw new NotFoundError('llm_model_not_found', `No model named ${JSON.stringify(name)}`, {
        path: 'model',
        details: { model: name, known: this.names() },
      });
    }
    this.resolved.set(name, resolved);
    return resolved;
  }

  /** One line on what `name` means, for the start-up log: never a key. */
  describe(name = 'default'): string {
    const entry = this.entries.get(name);
    if (!entry) return name === 'default' ? 'the scripted model (no provider configured: offline replies)' : 'none';
    if (entry.kind === 'object') return `${entry.model.provider} ${entry.model.modelId}`;
    const { provider, model, baseURL } = entry.setting;
    return `${provider} ${model} at ${baseURL}`;
  }
}

/** Model `default` from `VIGIL_LLM_URL` (+ `VIGIL_LLM_MODEL`, `VIGIL_LLM_API_KEY_ENV`), if set. */
export function settingFromEnv(env: Readonly<Record<string, string | undefined>>): ModelSetting | undefined {
  const url = env['VIGIL_LLM_URL']?.trim();
  if (!url) return undefined;
  const model = env['VIGIL_LLM_MODEL']?.trim() || 'default';
  const apiKeyEnv = env['VIGIL_LLM_API_KEY_ENV']?.trim();
  return checkModelSetting(
    { provider: 'openai-compatible', model, baseURL: url, ...(apiKeyEnv ? { apiKeyEnv } : {}) },
    'VIGIL_LLM_URL',
  );
}
