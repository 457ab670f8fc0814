import { describe, expect, it } from 'vitest';

import { validateToolAccessPolicy, type ToolAccessPolicyOptions } from '../core/tool-access-policy.js';
import { evaluateToolCall, valueAt } from './tool-policy.js';
import { bucketShape, rateLimitKey } from './tool-rate-limit.js';

const policy = (options: ToolAccessPolicyOptions) => validateToolAccessPolicy(options, 'Workflow w');
const INPUT = { patientId: 'P-1', ward: { id: 'B' } };

describe('evaluateToolCall', () => {
  it('allows any call without a policy, and any tool when tools is absent', () => {
    expect(evaluateToolCall(undefined, 'x', {}, INPUT)).toEqual({ decision: 'allowed', rule: null });
    expect(evaluateToolCall(policy({}), 'x', {}, INPUT)).toEqual({ decision: 'allowed', rule: null });
  });

  it('denies a tool that is not listed, and every tool for tools: []', () => {
    const listed = policy({ tools: ['ehr.read'] });
    expect(evaluateToolCall(listed, 'ehr.read', {}, INPUT)).toEqual({ decision: 'allowed', rule: 'tools' });
    expect(evaluateToolCall(listed, 'ehr.write', {}, INPUT)).toMatchObject({
      decision: 'denied',
      rule: 'tools',
      reason: expect.stringContaining('ehr.write') as string,
    });
    expect(evaluateToolCall(policy({ tools: [] }), 'ehr.read', {}, INPUT)).toMatchObject({ decision: 'denied' });
  });

  it('checks each constraint form, naming the rule and the argument', () => {
    const p = policy({
      constraints: {
        'ehr.read': {
          patientId: '$input.patientId',
          'ward.id': '$input.ward.id',
          kind: 'summary',
          format: { equals: { v: 1, lang: 'en' } },
          channel: { oneOf: ['sms', 'email'] },
          note: { pattern: /^[a-z ]*$/ },
          code: { pattern: '^[A-Z]{2}$' },
          days: { min: 1, max: 30 },
          to: { check: (value) => (String(value).endsWith('@hospital.org') ? true : 'outside the hospital') },
        },
      },
    });
    const good = {
      patientId: 'P-1',
      ward: { id: 'B' },
      kind: 'summary',
      format: { lang: 'en', v: 1 },
      channel: 'sms',
      note: 'all fine',
      code: 'AB',
      days: 30,
      to: 'ana@hospital.org',
    };
    expect(evaluateToolCall(p, 'ehr.read', good, INPUT)).toEqual({ decision: 'allowed', rule: 'constraints.ehr.read' });
    const denied = (change: Record<string, unknown>) => evaluateToolCall(p, 'ehr.read', { ...good, ...change }, INPUT);
    expect(denied({ patientId: 'P-2' })).toMatchObject({
      decision: 'denied',
      rule: 'constraints.ehr.read.patientId',
      reason: 'argument patientId ("P-2") must equal $input.patientId ("P-1")',
    });
    expect(denied({ ward: { id: 'C' } })).toMatchObject({ rule: 'constraints.ehr.read.ward.id' });
    expect(denied({ kind: 'full' })).toMatchObject({ rule: 'constraints.ehr.read.kind' });
    expect(denied({ format: { v: 2, lang: 'en' } })).toMatchObject({ rule: 'constraints.ehr.read.format' });
    expect(denied({ channel: 'fax' })).toMatchObject({ rule: 'constraints.ehr.read.channel' });
    expect(denied({ note: 'LOUD' })).toMatchObject({ rule: 'constraints.ehr.read.note' });
    expect(denied({ note: 7 })).toMatchObject({ reason: expect.stringContaining('must be a string') as string });
    expect(denied({ code: 'ABC' })).toMatchObject({ rule: 'constraints.ehr.read.code' });
    expect(denied({ days: 31 })).toMatchObject({
      rule: 'constraints.ehr.read.days',
      reason: expect.stringContaining('1..30') as string,
    });
    expect(denied({ days: '3' })).toMatchObject({ rule: 'constraints.ehr.read.days' });
    expect(denied({ to: 'x@gmail.com' })).toMatchObject({
      rule: 'constraints.ehr.read.to',
      reason: 'outside the hospital',
    });
    // A missing argument keeps no constraint but a predicate's.
    const { patientId: _p, ...withoutPatient } = good;
    expect(evaluateToolCall(p, 'ehr.read', withoutPatient, INPUT)).toMatchObject({
      reason: expect.stringContaining('(missing)') as string,
    });
    // An input that lacks the field denies rather than comparing missing with missing.
    expect(evaluateToolCall(p, 'ehr.read', withoutPatient, {})).toMatchObject({ decision: 'denied' });
  });

  it('denies when a predicate throws or returns false', () => {
    const p = policy({
      constraints: {
        t: {
          a: {
            check: () => {
              throw new Error('boom');
            },
          },
          b: { check: () => false },
        },
      },
    });
    expect(evaluateToolCall(p, 't', { a: 1 }, {})).toMatchObject({ reason: expect.stringContaining('boom') as string });
    const q = policy({ constraints: { t: { b: { check: (_v, { input }) => (input as { ok: boolean }).ok } } } });
    expect(evaluateToolCall(q, 't', { b: 1 }, { ok: false })).toMatchObject({
      decision: 'denied',
      rule: 'constraints.t.b',
    });
    expect(evaluateToolCall(q, 't', { b: 1 }, { ok: true })).toMatchObject({ decision: 'allowed' });
  });

  it('asks for approval after the constraints pass, when `when` says so', () => {
    const list = policy({ approval: ['pharmacy.order'] });
    expect(evaluateToolCall(list, 'pharmacy.order', {}, {})).toEqual({
      decision: 'approval',
      rule: 'approval.pharmacy.order',
      assignee: null,
    });
    const p = policy({
      tools: ['pharmacy.order'],
      constraints: { 'pharmacy.order': { qty: { max: 100 } } },
      approval: { 'pharmacy.order': { when: (args) => (args as { qty: number }).qty > 10, assignee: 'pharmacist' } },
    });
    expect(evaluateToolCall(p, 'pharmacy.order', { qty: 5 }, {})).toMatchObject({ decision: 'allowed' });
    expect(evaluateToolCall(p, 'pharmacy.order', { qty: 50 }, {})).toEqual({
      decision: 'approval',
      rule: 'approval.pharmacy.order',
      assignee: 'pharmacist',
    });
    expect(evaluateToolCall(p, 'pharmacy.order', { qty: 500 }, {})).toMatchObject({ decision: 'denied' });
  });
});

describe('validateToolAccessPolicy', () => {
  const bad = (options: unknown) => () => policy(options as ToolAccessPolicyOptions);

  it('names the path of what is wrong', () => {
    expect(bad({ tool: [] })).toThrow(/policy\.tool is not a policy option/);
    expect(bad({ tools: 'ehr.read' })).toThrow(/policy\.tools must be an array/);
    expect(bad({ tools: ['a', 'a'] })).toThrow(/policy\.tools\[1\] lists a twice/);
    expect(bad({ tools: ['ok', ''] })).toThrow(/policy\.tools\[1\] is not a tool name/);
    expect(bad({ tools: ['a'], constraints: { b: { x: 1 } } })).toThrow(
      /policy\.constraints\.b names b, which policy\.tools does not allow/,
    );
    expect(bad({ constraints: { t: { x: { pattern: '([' } } } })).toThrow(
      /policy\.constraints\.t\.x\.pattern is not a valid regular expression/,
    );
    expect(bad({ constraints: { t: { x: { min: 5, max: 1 } } } })).toThrow(
      /policy\.constraints\.t\.x has min 5 greater than max 1/,
    );
    expect(bad({ constraints: { t: { x: { oneOf: [] } } } })).toThrow(/oneOf must be a non-empty array/);
    expect(bad({ constraints: { t: { x: { check: 'yes' } } } })).toThrow(/x\.check must be a function/);
    expect(bad({ constraints: { t: { x: { equals: 1, oneOf: [1] } } } })).toThrow(/has keys equals, oneOf/);
    expect(bad({ constraints: { t: { x: '$input' } } })).toThrow(/write \$input\.<path>/);
    expect(bad({ constraints: { t: { x: [1] } } })).toThrow(/policy\.constraints\.t\.x must be/);
    expect(bad({ constraints: { t: { 'a..b': 1 } } })).toThrow(/is not an argument path/);
    expect(bad({ tools: ['a'], approval: ['b'] })).toThrow(/policy\.approval\[0\] names b/);
    expect(bad({ approval: { t: { when: 1 } } })).toThrow(/policy\.approval\.t\.when must be a function/);
    expect(bad({ approval: { t: { whom: 'x' } } })).toThrow(/policy\.approval\.t\.whom is not an approval option/);
    expect(bad({ rateLimits: { t: { limit: 0, period: '1s' } } })).toThrow(
      /policy\.rateLimits\.t\.limit must be a positive integer/,
    );
    expect(bad({ rateLimits: { t: { limit: 1, period: 'soon' } } })).toThrow(/period/);
    expect(bad({ rateLimits: { t: { limit: 1, period: '1s', scope: 'tenant' } } })).toThrow(
      /policy\.rateLimits\.t\.scope must be/,
    );
    expect(bad({ rateLimits: { t: { limit: 1, period: '1s', whenLimited: 'drop' } } })).toThrow(
      /whenLimited must be wait or fail/,
    );
  });

  it('errs with a stable code and the path', () => {
    expect(bad({ constraints: { t: { x: { min: 5, max: 1 } } } })).toThrow(
      expect.objectContaining({ code: 'invalid_argument', path: 'policy.constraints.t.x' }) as Error,
    );
  });

  it('drops the state-keeping flags of a regex, so each test starts afresh', () => {
    const p = policy({ constraints: { t: { x: { pattern: /^a$/g } } } });
    expect(evaluateToolCall(p, 't', { x: 'a' }, {})).toMatchObject({ decision: 'allowed' });
    expect(evaluateToolCall(p, 't', { x: 'a' }, {})).toMatchObject({ decision: 'allowed' });
  });
});

describe('rate-limit buckets', () => {
  const site = { tool: 'sms.send', workflow: 'w', runId: 'r1', input: { patientId: 'P-1', doc: 'x'.repeat(500) } };
  const limit = (scope: string) =>
    policy({ rateLimits: { 'sms.send': { limit: 6, period: '1m', scope: scope as 'global' } } }).rateLimits.get(
      'sms.send',
    )!;

  it('keys the bucket by tool and scope value', () => {
    expect(rateLimitKey(limit('global'), site)).toBe('sms.send|global');
    expect(rateLimitKey(limit('workflow'), site)).toBe('sms.send|workflow:w');
    expect(rateLimitKey(limit('run'), site)).toBe('sms.send|run:r1');
    expect(rateLimitKey(limit('$input.patientId'), site)).toBe('sms.send|$input.patientId:"P-1"');
    expect(rateLimitKey(limit('$input.missing'), site)).toBe('sms.send|$input.missing:null');
    expect(rateLimitKey(limit('$input.doc'), site)).toMatch(/^sms\.send\|\$input\.doc:sha256:[\w-]{43}$/);
    expect(bucketShape(limit('global'))).toEqual({ capacity: 6, refillPerMs: 6 / 60_000 });
  });

  it('reads dotted paths without reaching into prototypes', () => {
    expect(valueAt({ a: { b: 1 } }, 'a.b')).toBe(1);
    expect(valueAt({ a: 1 }, 'a.b')).toBeUndefined();
    expect(valueAt({}, 'constructor')).toBeUndefined();
  });
});
