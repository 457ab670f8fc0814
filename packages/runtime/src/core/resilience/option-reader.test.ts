import { describe, expect, it } from 'vitest';

import { InvalidArgumentError } from '../errors.js';
import { OptionReader, describeValue } from './option-reader.js';

const where = 'Tool insurance.check';

describe('OptionReader', () => {
  it('accepts only plain objects', () => {
    for (const bad of [null, 3, 'x', [1], new Date(0), new Map()]) {
      expect(() => OptionReader.of(bad, where, 'retry', ['attempts'])).toThrow(
        /^Tool insurance.check: retry must be a plain object; got /,
      );
    }
    expect(() => OptionReader.of(Object.create(null), where, 'retry', ['attempts'])).not.toThrow();
  });

  it('rejects unknown keys, listing the known ones, with the field as the error path', () => {
    const read = (): OptionReader => OptionReader.of({ attempt: 3 }, where, 'retry', ['attempts', 'factor']);
    expect(read).toThrow(
      'Tool insurance.check: unknown option retry.attempt (expected one of retry.attempts, retry.factor)',
    );
    expect(read).toThrow(expect.objectContaining({ code: 'invalid_argument', path: 'retry.attempt' }));
  });

  it('treats options set to undefined as unset', () => {
    const read = OptionReader.of({ a: undefined }, where, 'p', ['a']);
    expect(read.positiveInteger('a')).toBeUndefined();
    expect(read.duration('a')).toBeUndefined();
    expect(read.choice('a', ['x'])).toBeUndefined();
    expect(read.number('a', () => true, 'anything')).toBeUndefined();
  });

  it('names the field and the bad value in every complaint', () => {
    const read = OptionReader.of({ n: 0, d: '5 minutes', c: 'some', f: Number.NaN }, where, 'p', ['n', 'd', 'c', 'f']);
    expect(() => read.positiveInteger('n')).toThrow('Tool insurance.check: p.n must be a positive integer; got 0');
    expect(() => read.duration('d')).toThrow(
      /^Tool insurance.check: p.d must be a number of milliseconds .* got "5 minutes"$/,
    );
    expect(() => read.choice('c', ['full', 'none'])).toThrow(`p.c must be one of 'full', 'none'; got "some"`);
    expect(() => read.number('f', () => true, 'a number')).toThrow('p.f must be a number; got NaN');
    expect(() => read.fail('n', 'is wrong')).toThrow(InvalidArgumentError);
  });

  it('describes any value without throwing', () => {
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expect(describeValue(circular)).toBe('[object Object]');
    expect(describeValue(Symbol('s'))).toBe('Symbol(s)');
    expect(describeValue(() => 1)).toBe('a function');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(10n)).toBe('10');
    expect(describeValue({ a: 1 })).toBe('{"a":1}');
  });
});
