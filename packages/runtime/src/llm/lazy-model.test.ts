import { describe, expect, it } from 'vitest';

import { callModel } from './model-call.js';
import { lazyModel } from './lazy-model.js';
import { scriptedModel } from './scripted-model.js';

describe('lazyModel', () => {
  it('names the model before loading it, loads it at the first call, once', async () => {
    let loads = 0;
    const model = lazyModel('scripted.chat', 'replies', () => {
      loads += 1;
      return Promise.resolve(scriptedModel({ script: ['first', 'second'] }));
    });
    expect([model.provider, model.modelId, loads]).toEqual(['scripted.chat', 'replies', 0]);
    const signal = new AbortController().signal;
    expect((await callModel(model, { prompt: 'one' }, { signal })).text).toBe('first');
    expect((await callModel(model, { prompt: 'two' }, { signal })).text).toBe('second');
    expect(loads).toBe(1);
  });

  it('tries the import again at the next call after a failed one', async () => {
    let loads = 0;
    const model = lazyModel('scripted.chat', 'replies', () => {
      loads += 1;
      return loads === 1
        ? Promise.reject(new Error('Cannot find package'))
        : Promise.resolve(scriptedModel({ script: ['loaded'] }));
    });
    const signal = new AbortController().signal;
    await expect(callModel(model, { prompt: 'x' }, { signal })).rejects.toThrow('Cannot find package');
    expect((await callModel(model, { prompt: 'x' }, { signal })).text).toBe('loaded');
    expect(loads).toBe(2);
  });
});
