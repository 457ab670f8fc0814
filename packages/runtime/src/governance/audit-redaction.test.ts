import { describe, expect, it } from 'vitest';

import { canonicalJson } from '../core/json.js';
import {
  REDACTED,
  redactFlatForAudit,
  redactForAudit,
  redactionRules,
  type RedactionRules,
} from './audit-redaction.js';

const defaults = redactionRules();

describe('redactForAudit', () => {
  it('redacts secrets and personal data by key, in any spelling and at any depth, and keeps identifiers', () => {
    const args = {
      patientId: 'P-1',
      email: 'ann@example.org',
      contact: { Phone_Number: '+1 555', 'date-of-birth': '1970-01-01', notes: 'fine' },
      credentials: [
        { api_key: 'k1', password: 'p' },
        { githubToken: 't', apiKeyId: 'id-1' },
      ],
      Authorization: 'Bearer x',
      tokens: { input: 10, output: 5 },
      idempotencyKey: 'run-1:3',
    };
    expect(redactForAudit('policy.decided', { tool: 'ehr.read', args }, defaults)).toEqual({
      tool: 'ehr.read',
      args: {
        patientId: 'P-1',
        email: REDACTED,
        contact: { Phone_Number: REDACTED, 'date-of-birth': REDACTED, notes: 'fine' },
        credentials: [
          { api_key: REDACTED, password: REDACTED },
          { githubToken: REDACTED, apiKeyId: 'id-1' },
        ],
        Authorization: REDACTED,
        // LLM token counts and idempotency keys are not secrets.
        tokens: { input: 10, output: 5 },
        idempotencyKey: 'run-1:3',
      },
    });
  });

  it('adds key names, patterns and paths of one entry type from the options', () => {
    const rules = redactionRules({ redact: ['diagnosis', /^x-/i], redactPaths: ['policy.decided.args.notes'] });
    const data = { args: { notes: 'private', diagnosis: 'flu', 'X-Trace': 'abc', kept: 1 }, notes: 'top' };
    expect(redactForAudit('policy.decided', data, rules)).toEqual({
      args: { notes: REDACTED, diagnosis: REDACTED, 'X-Trace': REDACTED, kept: 1 },
      notes: 'top',
    });
    // The path belongs to policy.decided only.
    expect(redactForAudit('step.completed', data, rules)).toMatchObject({ args: { notes: 'private' } });
    // `*` matches any key; a path reaches into every item of an array.
    const wild = redactionRules({ redactPaths: ['spend.recorded.*.name'] });
    expect(
      redactForAudit('spend.recorded', { a: [{ name: 'x', n: 1 }, { name: 'y' }], b: { name: 'z' } }, wild),
    ).toEqual({ a: [{ name: REDACTED, n: 1 }, { name: REDACTED }], b: { name: REDACTED } });
  });

  it('makes anything fit JSON instead of failing to record it', () => {
    const loop: Record<string, unknown> = { name: 'loop' };
    loop['self'] = loop;
    const shared = { v: 1 };
    const value = {
      big: 12n,
      when: new Date(Date.UTC(2026, 0, 2)),
      error: new TypeError('bad'),
      nothing: undefined,
      fn: () => 1,
      list: [undefined, Number.NaN, Infinity, 2],
      loop,
      twice: [shared, shared],
    };
    expect(redactForAudit('t', value, defaults)).toEqual({
      big: '12',
      when: '2026-01-02T00:00:00.000Z',
      error: { name: 'TypeError', message: 'bad' },
      list: [null, null, null, 2],
      loop: { name: 'loop', self: '[circular]' },
      twice: [{ v: 1 }, { v: 1 }],
    });
    expect(redactForAudit('t', undefined, defaults)).toBeNull();
  });

  it('refuses rules it cannot use, naming the option', () => {
    expect(() => redactionRules({ redact: [''] })).toThrow(expect.objectContaining({ path: 'audit.redact.0' }));
    expect(() => redactionRules({ redactPaths: ['notes'] })).toThrow(
      expect.objectContaining({ path: 'audit.redactPaths.0' }),
    );
  });
});

describe('redactFlatForAudit', () => {
  const omit = new Set(['runId', 'principal']);
  /** The long way, as the recorder took it for every entry: a copy without the omitted keys, redacted, encoded. */
  const longWay = (type: string, value: object, rules: RedactionRules) => {
    const { runId: _runId, principal: _principal, ...rest } = value as Record<string, unknown>;
    const data = redactForAudit(type, rest, rules);
    return { data, text: canonicalJson(data) };
  };
  const sameAsLongWay = (type: string, value: object, rules = defaults): void => {
    const flat = redactFlatForAudit(type, value, rules, omit);
    const expected = longWay(type, value, rules);
    expect(flat).toEqual(expected);
    expect(Object.keys(flat!.data)).toEqual(Object.keys(expected.data as object));
  };

  it('gives the details and the canonical text the long way gives, for flat objects', () => {
    sameAsLongWay('step.completed', {
      runId: 'r-1',
      workflow: 'discharge',
      seq: 3,
      name: 'fetch "record" \u2028 ☃ \ud800',
      kind: 'tool',
      tool: undefined,
      attempt: 1,
      status: 'completed',
      durationMs: 0.25,
    });
    sameAsLongWay('spend.recorded', {
      principal: 'key:k1',
      apiKey: { nested: 'under a redacted key' },
      email: undefined,
      usd: -0,
      big: 1e21,
      small: 1.5e-7,
      nan: NaN,
      inf: -Infinity,
      constructor: 'a key Object.prototype also has',
      toString: null,
      'x y': true,
      Z: false,
    });
    sameAsLongWay('run.created', { runId: 'r-1' });
    sameAsLongWay('run.created', {});
  });

  it('gives the same as the long way for random flat objects', () => {
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const keys = [
      'a',
      'B',
      'é',
      'runId',
      'principal',
      'password',
      'dbToken',
      'Email',
      'notes',
      'k"q',
      'ü',
      'a_b',
      'aa',
    ];
    const values = [
      'text',
      '',
      'quote " backslash \\ newline \n',
      '\u0000\u001f',
      '😀 \udc00',
      0,
      -1,
      3.14,
      Number.MAX_SAFE_INTEGER + 2,
      NaN,
      Infinity,
      true,
      false,
      null,
      undefined,
    ];
    for (let i = 0; i < 500; i++) {
      const value: Record<string, unknown> = {};
      const size = Math.floor(random() * 8);
      for (let k = 0; k < size; k++) value[pick(keys)] = pick(values);
      sameAsLongWay('step.completed', value);
    }
  });

  it('leaves nested values, path rules for the type, unusual keys and objects that are not plain to the long way', () => {
    const leftOver = (value: object, rules = defaults) => redactFlatForAudit('step.failed', value, rules, omit);
    expect(leftOver({ error: { name: 'Error', message: 'x' } })).toBeUndefined();
    expect(leftOver({ list: [1] })).toBeUndefined();
    expect(leftOver({ when: new Date(0) })).toBeUndefined();
    expect(leftOver({ n: 1n })).toBeUndefined();
    expect(leftOver({ 1: 'integer-like key' })).toBeUndefined();
    expect(leftOver(JSON.parse('{"__proto__":"x"}') as object)).toBeUndefined();
    expect(leftOver({ toJSON: () => 'x' })).toBeUndefined();
    expect(leftOver(Object.assign(Object.create(null) as object, { a: 1 }))).toBeUndefined();
    expect(leftOver({ note: 'x' }, redactionRules({ redactPaths: ['step.failed.note'] }))).toBeUndefined();
    // Path rules of other entry types leave this one flat.
    const other = redactionRules({ redactPaths: ['policy.decided.args.note'] });
    expect(leftOver({ note: 'x' }, other)).toEqual({ data: { note: 'x' }, text: '{"note":"x"}' });
  });
});
