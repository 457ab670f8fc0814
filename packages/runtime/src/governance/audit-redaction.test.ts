import { describe, expect, it } from 'vitest';

import { REDACTED, redactForAudit, redactionRules } from './audit-redaction.js';

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
