import { generateText, streamText } from 'ai';
import { describe, expect, it } from 'vitest';

import { ModelRegistry } from './model-registry.js';
import { checkModelSetting, PROVIDER_PRESETS, resolveModelSetting } from './providers.js';
import { scriptedModel } from './scripted-model.js';
import { normaliseUsage } from './usage.js';

describe('model settings', () => {
  it('fills the preset base URL of each provider', () => {
    expect(checkModelSetting({ provider: 'ollama', model: 'qwen3' }, 'm').baseURL).toBe('http://127.0.0.1:11434/v1');
    expect(checkModelSetting({ provider: 'vllm', model: 'x' }, 'm').baseURL).toBe('http://127.0.0.1:8000/v1');
    expect(checkModelSetting({ provider: 'llamacpp', model: 'x' }, 'm').baseURL).toBe('http://127.0.0.1:8080/v1');
    expect(checkModelSetting({ provider: 'lmstudio', model: 'x' }, 'm').baseURL).toBe('http://127.0.0.1:1234/v1');
    expect(PROVIDER_PRESETS.openai.baseURL).toBe('https://api.openai.com/v1');
  });

  it('names the bad field of a bad setting', () => {
    const bad = (value: unknown) => () => checkModelSetting(value, 'llm.models.x');
    expect(bad({ provider: 'nope', model: 'm' })).toThrow(expect.objectContaining({ path: 'llm.models.x.provider' }));
    expect(bad({ provider: 'openai' })).toThrow(expect.objectContaining({ path: 'llm.models.x.model' }));
    expect(bad({ provider: 'openai-compatible', model: 'm' })).toThrow(/baseURL is required/);
    expect(bad({ provider: 'vllm', model: 'm', baseURL: 'ftp://x' })).toThrow(/http\(s\) URL/);
    expect(bad({ provider: 'vllm', model: 'm', apiKey: 'sk-x' })).toThrow(/unknown field apiKey/);
  });

  it('reads the key from the named variable, and refuses a billed provider without one', () => {
    const setting = checkModelSetting({ provider: 'openai', model: 'gpt-4.1-mini', apiKeyEnv: 'MY_KEY' }, 'm');
    expect(() => resolveModelSetting(setting, {})).toThrow(expect.objectContaining({ code: 'llm_api_key_missing' }));
    const model = resolveModelSetting(setting, { MY_KEY: 'sk-test' });
    expect(model.modelId).toBe('gpt-4.1-mini');
    expect(model.provider).toContain('openai');
    const anthropic = resolveModelSetting(checkModelSetting({ provider: 'anthropic', model: 'claude-sonnet-4' }, 'm'), {
      ANTHROPIC_API_KEY: 'k',
    });
    expect(anthropic.provider).toContain('anthropic');
    // A local server needs no key.
    expect(resolveModelSetting(checkModelSetting({ provider: 'ollama', model: 'q' }, 'm'), {}).modelId).toBe('q');
  });
});

describe('ModelRegistry', () => {
  it('falls back to the offline scripted model for default, and refuses unknown names', async () => {
    const registry = new ModelRegistry({}, {});
    expect(registry.describe()).toMatch(/scripted/);
    const { model, billed } = registry.get('default');
    expect(billed).toBe(false);
    const { text } = await generateText({ model, prompt: 'Summarise the discharge' });
    expect(text).toContain('Summarise the discharge');
    expect(() => registry.get('fast')).toThrow(expect.objectContaining({ code: 'llm_model_not_found' }));
  });

  it('takes named settings and model objects, and VIGIL_LLM_URL defines default', () => {
    const own = scriptedModel({ script: ['x'], modelId: 'mine' });
    const registry = new ModelRegistry(
      {
        models: {
          default: own,
          fast: { provider: 'ollama', model: 'qwen3' },
          big: { provider: 'openai', model: 'gpt-4.1' },
        },
      },
      { VIGIL_LLM_URL: 'http://127.0.0.1:9999/v1', VIGIL_LLM_MODEL: 'llama3' },
    );
    expect(registry.names()).toEqual(['big', 'default', 'fast']);
    expect(registry.get('default').modelId).toBe('llama3');
    expect(registry.describe()).toBe('openai-compatible llama3 at http://127.0.0.1:9999/v1');
    expect(registry.get('fast')).toMatchObject({ modelId: 'qwen3', billed: false });
    expect(() => registry.get('big')).toThrow(/OPENAI_API_KEY/);
    expect(new ModelRegistry({ models: { default: own } }, {}).get('default')).toMatchObject({ modelId: 'mine' });
    expect(() => new ModelRegistry({ models: { 'bad name': own } }, {})).toThrow(/model name/);
  });
});

describe('scriptedModel', () => {
  it('answers in order with usage, and says when the script is used up', async () => {
    const model = scriptedModel({
      script: ['first', { text: 'second', reasoning: 'because', usage: { input: 10, output: 5, cached: 2 } }],
    });
    expect((await generateText({ model, prompt: 'a' })).text).toBe('first');
    const second = await generateText({ model, prompt: 'b' });
    expect(second.text).toBe('second');
    expect(second.reasoningText).toBe('because');
    expect(normaliseUsage(second.usage)).toEqual({ input: 10, output: 5, cached: 2, reasoning: 2 });
    await expect(generateText({ model, prompt: 'c', maxRetries: 0 })).rejects.toThrow(/no reply for call 3/);
    expect(model.calls).toBe(3);
  });

  it('streams its reply in chunks, from a function of the prompt', async () => {
    const model = scriptedModel({ script: ({ lastUserMessage }) => `echo ${lastUserMessage} done` });
    const result = streamText({ model, prompt: 'hello there' });
    const chunks: string[] = [];
    for await (const chunk of result.textStream) chunks.push(chunk);
    expect(chunks).toEqual(['echo ', 'hello ', 'there ', 'done']);
    expect(await result.text).toBe('echo hello there done');
    expect((await result.usage).outputTokens).toBeGreaterThan(0);
  });
});
