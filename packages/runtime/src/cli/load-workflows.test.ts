import { describe, expect, it } from 'vitest';

import { esModuleOf } from './load-workflows.js';

describe('esModuleOf', () => {
  it('unwraps a CommonJS-compiled TypeScript module and leaves an ES module alone', () => {
    const config = { port: 7400 };
    const named = { workflows: [] };
    const wrapped = { default: { __esModule: true, default: config, named } };
    expect(esModuleOf(wrapped)).toBe(wrapped.default);
    expect(esModuleOf(wrapped)['default']).toBe(config);
    const esm = { default: config, named };
    expect(esModuleOf(esm)).toBe(esm);
    expect(esModuleOf({})).toEqual({});
  });
});
