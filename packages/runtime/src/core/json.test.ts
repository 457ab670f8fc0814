import { describe, expect, it } from 'vitest';

import { PayloadTooLargeError } from './errors.js';
import { NotSerializableError, canonicalJson, canonicalKeyOrder, encodeJson, scalarJson } from './json.js';

describe('encodeJson', () => {
  it('encodes plain data, dropping undefined properties as JSON does', () => {
    expect(encodeJson({ a: 1, b: [true, null, 'x'], c: undefined, d: { e: -0.5 } }, 'v')).toBe(
      '{"a":1,"b":[true,null,"x"],"d":{"e":-0.5}}',
    );
    expect(encodeJson(undefined, 'v')).toBe('null');
    expect(encodeJson(Object.create(null) as object, 'v')).toBe('{}');
  });

  it.each([
    [{ at: new Date(0) }, '$.at is a Date'],
    [{ list: [1, () => 2] }, '$.list[1] is a function'],
    [{ n: 10n }, '$.n is a bigint'],
    [{ n: Number.NaN }, '$.n is the number NaN'],
    [{ m: new Map() }, '$.m is an instance of Map'],
    [{ s: Symbol('x') }, '$.s is a symbol'],
  ])('refuses %o, naming the path', (value, message) => {
    expect(() => encodeJson(value, 'Step "x" result')).toThrow(NotSerializableError);
    expect(() => encodeJson(value, 'Step "x" result')).toThrow(`Step "x" result is not JSON-serialisable: ${message}`);
  });

  it('refuses cycles but accepts shared references', () => {
    const shared = { k: 1 };
    expect(encodeJson({ a: shared, b: shared }, 'v')).toBe('{"a":{"k":1},"b":{"k":1}}');
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    expect(() => encodeJson(cycle, 'v')).toThrow(/\$\.self is a circular reference/);
  });

  it('measures the limit in UTF-8 bytes', () => {
    expect(encodeJson('é'.repeat(10), 'v', 22)).toHaveLength(12);
    expect(() => encodeJson('é'.repeat(10), 'v', 21)).toThrow(PayloadTooLargeError);
    expect(() => encodeJson('é'.repeat(10), 'v', 21)).toThrow('v is 22 bytes of JSON, over the limit of 21 bytes');
  });
});

describe('canonicalJson', () => {
  it('gives equal text for equal values whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 0 }], c: 3 } })).toBe(
      canonicalJson({ a: { c: 3, d: [2, { x: 0, y: 1 }] }, b: 1 }),
    );
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
  });

  it('gives the text of JSON.stringify with sorted keys, for plain JSON and for everything else', () => {
    const sortedStringify = (value: unknown): string =>
      JSON.stringify(value ?? null, (_key, item: unknown) => {
        if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
        const sorted: Record<string, unknown> = {};
        for (const key of Object.keys(item).sort()) sorted[key] = (item as Record<string, unknown>)[key];
        return sorted;
      });
    class Point {
      constructor(
        readonly y = 2,
        readonly x = 1,
      ) {}
    }
    const bare = Object.assign(Object.create(null) as object, { z: 1, a: [true, null] });
    const values: unknown[] = [
      undefined,
      null,
      0,
      -0,
      1e21,
      1.5e-7,
      NaN,
      Infinity,
      '',
      'é "quoted" \n \u2028 \ud800',
      true,
      [],
      {},
      [1, 'a', null, [false, {}]],
      [undefined, () => 1, Symbol('s')],
      // eslint-disable-next-line no-sparse-arrays
      [1, , 3],
      { b: 1, a: { d: [2, { y: 1, x: 0 }], c: 3 }, é: 0, B: 2, '10': 1, '9': 2 },
      { gone: undefined, fn: () => 1, sym: Symbol('s'), kept: 1 },
      { when: new Date(0), point: new Point(), big: { toJSON: () => ({ b: 1, a: 2 }) } },
      { n: new Number(3), s: new String('x'), nan: NaN },
      bare,
      JSON.parse('{"__proto__": {"b": 1, "a": 2}, "c": 3}') as unknown,
      { deep: Array.from({ length: 70 }).reduce((inner: unknown) => ({ inner }), 1) },
      { 'a"b': '\u0001', emoji: '😀', lone: '\udc00', tab: 'a\tb', slash: 'a\\b/c' },
      // The same shapes again, in another key order, with other values.
      [
        { b: 'x', a: 1 },
        { a: 2, b: 'y' },
        { b: [{ d: null, c: -1.5e-300 }], a: { '': 0 } },
      ],
      // Keys that join alike: each object still gets its own keys.
      [{ 'a\u0000': 1, b: 2 }, { a: 3, '\u0000b': 4 }, {}, { '': 5 }],
    ];
    for (const value of values) expect(canonicalJson(value)).toBe(sortedStringify(value));
    const cycle: Record<string, unknown> = { a: 1 };
    cycle['self'] = cycle;
    expect(() => canonicalJson(cycle)).toThrow(); // as before: the sorted copies hide the cycle from JSON.stringify
    expect(() => canonicalJson({ big: 1n })).toThrow(TypeError);
  });
});

describe('scalarJson', () => {
  it('writes what JSON.stringify writes for strings, numbers, booleans and null', () => {
    const scalars = [
      '',
      'plain',
      'quote " backslash \\ slash /',
      '\u0000\u0008\n\u001f\u007f',
      '\u2028 \u2029 é ☃ 😀',
      '\ud800 lone \udfff',
      0,
      -0,
      1.5e-7,
      1e21,
      -123456789.125,
      Number.MAX_SAFE_INTEGER + 2,
      NaN,
      Infinity,
      -Infinity,
      true,
      false,
      null,
    ];
    for (const value of scalars) expect(scalarJson(value)).toBe(JSON.stringify(value));
  });
});

describe('canonicalKeyOrder', () => {
  it('orders keys as canonicalJson writes them, and declines keys it leaves to JSON.stringify', () => {
    expect(canonicalKeyOrder({ b: 1, 'a"': 2, A: 3 })).toMatchObject({
      own: ['b', 'a"', 'A'],
      keys: ['A', 'a"', 'b'],
      prefixes: ['"A":', '"a\\"":', '"b":'],
    });
    expect(canonicalKeyOrder({ 10: 'x', a: 1 })).toBeUndefined();
    expect(canonicalKeyOrder(JSON.parse('{"__proto__":1}') as object)).toBeUndefined();
  });
});
