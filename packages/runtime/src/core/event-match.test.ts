import { describe, expect, it } from 'vitest';

import { eventMatches, validateEventMatch, validateEventName } from './event-match.js';

describe('event matching', () => {
  it('compares each field path by value, deeply and without coercion', () => {
    const payload = { patientId: 'P-1', order: { kind: 'discharge', items: [1, 2] }, count: 2 };
    expect(eventMatches(undefined, payload)).toBe(true);
    expect(eventMatches({}, payload)).toBe(true);
    expect(eventMatches({ patientId: 'P-1' }, payload)).toBe(true);
    expect(eventMatches({ 'order.kind': 'discharge', 'order.items': [1, 2] }, payload)).toBe(true);
    expect(eventMatches({ order: { items: [1, 2], kind: 'discharge' } }, payload)).toBe(true);
    expect(eventMatches({ patientId: 'P-2' }, payload)).toBe(false);
    expect(eventMatches({ count: '2' }, payload)).toBe(false);
    expect(eventMatches({ 'order.missing': null }, payload)).toBe(false);
    expect(eventMatches({ 'patientId.x': 'P' }, payload)).toBe(false);
    expect(eventMatches({ patientId: 'P-1' }, 'not an object')).toBe(false);
  });

  it('refuses bad names and match objects where they are written', () => {
    expect(validateEventName('discharge.ordered')).toBe('discharge.ordered');
    expect(() => validateEventName('')).toThrow(/event name "" is invalid/);
    expect(() => validateEventName('has space')).toThrow(/invalid/);
    expect(() => validateEventMatch([1], 'on')).toThrow(/must be an object/);
    expect(() => validateEventMatch({ 'a..b': 1 }, 'on')).toThrow(/not a field path/);
    expect(validateEventMatch(undefined, 'on')).toBeNull();
  });
});
