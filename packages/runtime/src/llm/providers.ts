import type { LanguageModelV3 } from '@ai-sdk/provider';

import { InvalidArgumentError, NonRetryableError } from '../core/errors.js';
import { lazyModel } from './lazy-model.js';

/** The providers Vigil knows by name. All but `anthropic` speak OpenAI's chat completions API. */
export type ProviderName = 'openai' | 'ollama' | 'vllm' | 'llamacpp' | 'lmstudio' | 'openai-compatible' | 'anthropic';

/**
 * A model by setting: which provider, which model, where, and the name of the environment
 * variable that holds the key (the key itself is never written in a setting nor stored).
 *
 * @example
 * { provider: 'openai', model: 'gpt-4.1-mini' } // key from OPENAI_API_KEY
 * { provider: 'ollama', model: 'qwen3:8b' } // http://127.0.0.1:11434/v1, no key
 * { provider: 'openai-compatible', model: 'my-model', baseURL: 'https://llm.internal/v1', apiKeyEnv: 'LLM_KEY' }
 */
export interface ModelSetting {
  provider: ProviderName;
  model: string;
  /** The API's base URL; the preset's by default (`openai-compatible` has none: it is required). */
  baseURL?: string;
  /** The environment variable holding the API key; `OPENAI_API_KEY` / `ANTHROPIC_API_KEY` by default. */
  apiKeyEnv?: string;
}

/** Default base URL and key variable of each provider. */
export const PROVIDER_PRESETS: Readonly<Record<ProviderName, { baseURL?: string; apiKeyEnv?: string }>> = Object.freeze(
  {
    openai: { baseURL: 'https://api.openai.com/v1', apiKeyEnv: 'OPENAI_API_KEY' },
    ollama: { baseURL: 'http://127.0.0.1:11434/v1' },
    vllm: { baseURL: 'http://127.0.0.1:8000/v1' },
    llamacpp: { baseURL: 'http://127.0.0.1:8080/v1' },
    lmstudio: { baseURL: 'http://127.0.0.1:1234/v1' },
    'openai-compatible': {},
    anthropic: { baseURL: 'https://api.anthropic.com/v1', apiKeyEnv: 'ANTHROPIC_API_KEY' },
  },
);

const SETTING_KEYS = new Set(['provider', 'model', 'baseURL', 'apiKeyEnv']);

/** Hosted providers with published prices: a model missing from the price table is an error, never free. */
const BILLED: ReadonlySet<ProviderName> = new Set(['openai', 'anthropic']);

/** Whether calls to a setting's provider are billed by the token (else free unless priced). */
export function isBilledProvider(provider: ProviderName): boolean {
  return BILLED.has(provider);
}

/**
 * Checks a model setting, naming the bad field under `path`.
 *
 * @throws InvalidArgumentError for an unknown provider or key, a missing model, a bad URL.
 */
export function checkModelSetting(value: unknown, path: string): ModelSetting {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`${path} must be { provider, model, baseURL?, apiKeyEnv? } or an AI SDK model`, {
      path,
    });
  }
  const setting = value as Record<string, unknown>;
  for (const key of Object.keys(setting)) {
    if (!SETTING_KEYS.has(key))
      throw new InvalidArgumentError(`${path}: unknown field ${key}`, { path: `${path}.${key}` });
  }
  const provider = setting['provider'];
  if (typeof provider !== 'string' || !Object.hasOwn(PROVIDER_PRESETS, provider)) {
    throw new InvalidArgumentError(
      `${path}.provider must be one of ${Object.keys(PROVIDER_PRESETS).join(', ')}; got ${JSON.stringify(provider)}`,
      { path: `${path}.provider` },
    );
  }
  const model = setting['model'];
  if (typeof model !== 'string' || model.trim() === '') {
    throw new InvalidArgumentError(`${path}.model must be a model name`, { path: `${path}.model` });
  }
  const baseURL = setting['baseURL'] ?? PROVIDER_PRESETS[provider as ProviderName].baseURL;
  if (baseURL === undefined) {
    throw new InvalidArgumentError(`${path}.baseURL is required for provider ${provider}`, { path: `${path}.baseURL` });
  }
  if (typeof baseURL !== 'string' || !isHttpUrl(baseURL)) {
    throw new InvalidArgumentError(`${path}.baseURL must be an http(s) URL`, { path: `${path}.baseURL` });
  }
  const apiKeyEnv = setting['apiKeyEnv'];
  if (apiKeyEnv !== undefined && (typeof apiKeyEnv !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(apiKeyEnv))) {
    throw new InvalidArgumentError(`${path}.apiKeyEnv must name an environment variable`, {
      path: `${path}.apiKeyEnv`,
    });
  }
  return {
    provider: provider as ProviderName,
    model,
    baseURL,
    ...(apiKeyEnv === undefined ? {} : { apiKeyEnv }),
  };
}

/**
 * The AI SDK model a checked setting means. The key is read from its environment variable now,
 * held by the provider object in memory only.
 *
 * @throws NonRetryableError (`llm_api_key_missing`) when a provider that needs a key has none.
 */
export function resolveModelSetting(
  setting: ModelSetting,
  env: Readonly<Record<string, string | undefined>> = process.env,
): LanguageModelV3 {
  const preset = PROVIDER_PRESETS[setting.provider];
  const baseURL = setting.baseURL ?? preset.baseURL!;
  const keyEnv = setting.apiKeyEnv ?? preset.apiKeyEnv;
  const apiKey = keyEnv === undefined ? undefined : env[keyEnv];
  if (keyEnv !== undefined && !apiKey && BILLED.has(setting.provider)) {
    throw new NonRetryableError(
      `Model ${setting.model} (${setting.provider}) needs an API key in the environment variable ${keyEnv}`,
      { code: 'llm_api_key_missing', details: { provider: setting.provider, apiKeyEnv: keyEnv } },
    );
  }
  // The provider packages are imported at the first call (`lazyModel`); the names are theirs.
  if (setting.provider === 'anthropic') {
    return lazyModel('anthropic.messages', setting.model, async () => {
      const { createAnthropic } = await import('@ai-sdk/anthropic');
      return createAnthropic({ baseURL, ...(apiKey ? { apiKey } : {}) }).languageModel(setting.model);
    });
  }
  return lazyModel(`${setting.provider}.chat`, setting.model, async () => {
    const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');
    return createOpenAICompatible({
      name: setting.provider,
      baseURL,
      ...(apiKey ? { apiKey } : {}),
      // Token counts on streamed answers too: the ledger needs them.
      includeUsage: true,
      supportsStructuredOutputs: setting.provider === 'openai',
    }).chatModel(setting.model);
  });
}

/** Whether `value` is an AI SDK language model object (specification v3) a user passed. */
export function isLanguageModel(value: unknown): value is LanguageModelV3 {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { specificationVersion?: unknown }).specificationVersion === 'v3' &&
    typeof (value as { doGenerate?: unknown }).doGenerate === 'function' &&
    typeof (value as { doStream?: unknown }).doStream === 'function'
  );
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
