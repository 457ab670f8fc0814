import type { LanguageModelV3 } from '@ai-sdk/provider';

/**
 * A language model whose provider package is imported on its first call rather than with
 * Vigil: the AI SDK providers weigh several megabytes of memory, which a process that never
 * calls a model should not carry. `provider` and `modelId` are known up front (spans and the
 * ledger read them before any call); the rest defers to the model `load` makes, loaded once.
 * A failed import is not remembered: the next call tries again.
 */
export function lazyModel(provider: string, modelId: string, load: () => Promise<LanguageModelV3>): LanguageModelV3 {
  let loading: Promise<LanguageModelV3> | undefined;
  const model = (): Promise<LanguageModelV3> => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
  return {
    specificationVersion: 'v3',
    provider,
    modelId,
    get supportedUrls() {
      return model().then((loaded) => loaded.supportedUrls);
    },
    doGenerate: async (options) => (await model()).doGenerate(options),
    doStream: async (options) => (await model()).doStream(options),
  };
}
