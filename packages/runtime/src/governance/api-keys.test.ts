import { describe, expect, it } from 'vitest';

import {
  ROLES,
  generateApiKey,
  hashSecret,
  parseApiKey,
  parseKeyExpiry,
  roleAllows,
  secretMatches,
  validateKeyName,
} from './api-keys.js';
import { cliPrincipal, isPrincipal, keyPrincipal, webhookPrincipal } from './principal.js';

describe('API keys', () => {
  it('are vgl_<id>_<secret>; only the hash of the secret is kept, and it matches only that secret', () => {
    const made = generateApiKey();
    expect(made.key).toMatch(/^vgl_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const parsed = parseApiKey(made.key)!;
    expect(parsed.id).toBe(made.id);
    expect(made.hash).toBe(hashSecret(parsed.secret));
    expect(made.hash).not.toContain(parsed.secret);
    expect(secretMatches(parsed.secret, made.hash)).toBe(true);
    const other = parseApiKey(generateApiKey().key)!;
    expect(secretMatches(other.secret, made.hash)).toBe(false);
    // One character off is a different secret.
    const flipped = parsed.secret.slice(0, -1) + (parsed.secret.endsWith('A') ? 'B' : 'A');
    expect(secretMatches(flipped, made.hash)).toBe(false);
    // A stored hash of another length (a damaged row) never matches, and never throws.
    expect(secretMatches(parsed.secret, 'abcd')).toBe(false);
  });

  it('keeps secrets that contain underscores and dashes whole', () => {
    const secret = '_'.repeat(10) + '-'.repeat(10) + 'a'.repeat(23);
    expect(parseApiKey(`vgl_0123456789ab_${secret}`)).toEqual({ id: '0123456789ab', secret });
  });

  it('refuses anything that is not of the key format', () => {
    const { key } = generateApiKey();
    for (const bad of [
      '',
      'vgl_',
      key.slice(0, -1),
      `${key}x`,
      key.replace('vgl_', 'vgk_'),
      ` ${key}`,
      key.toUpperCase(),
    ]) {
      expect(parseApiKey(bad), bad).toBeNull();
    }
  });

  it('gives each role its permissions: viewer reads, trigger only triggers, operator operates, admin all', () => {
    const table = Object.fromEntries(
      ROLES.map((role) => [
        role,
        (['read', 'trigger', 'operate', 'admin'] as const).filter((p) => roleAllows(role, p)),
      ]),
    );
    expect(table).toEqual({
      admin: ['read', 'trigger', 'operate', 'admin'],
      operator: ['read', 'trigger', 'operate'],
      trigger: ['trigger'],
      viewer: ['read'],
    });
  });

  it('reads an expiry as a duration from now or an ISO date, and refuses the past and junk', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(parseKeyExpiry('30d', now)).toBe(now + 30 * 86_400_000);
    expect(parseKeyExpiry('2030-02-01', now)).toBe(Date.parse('2030-02-01'));
    expect(parseKeyExpiry('2030-01-01T12:00:00Z', now)).toBe(now + 12 * 3_600_000);
    for (const bad of ['0d', '2029-12-31', 'tomorrow', '30', '']) {
      expect(() => parseKeyExpiry(bad, now), bad).toThrow(
        expect.objectContaining({ code: 'invalid_argument', path: 'expires' }),
      );
    }
  });

  it('names keys with 1–100 printable characters', () => {
    expect(validateKeyName('ci deploys')).toBe('ci deploys');
    for (const bad of ['', '   ', 'a'.repeat(101), 'line\nbreak', 42]) {
      expect(() => validateKeyName(bad)).toThrow(expect.objectContaining({ code: 'invalid_argument', path: 'name' }));
    }
  });
});

describe('principals', () => {
  it('are a kind and a name, or code', () => {
    expect(keyPrincipal('0123456789ab')).toBe('key:0123456789ab');
    expect(webhookPrincipal('pms')).toBe('webhook:pms');
    for (const good of ['code', cliPrincipal('ana'), 'schedule:recon.hourly', 'event:0190-abc']) {
      expect(isPrincipal(good), good).toBe(true);
    }
    for (const bad of ['', 'key:', ':x', 'robot:x', 'ana', null, 7]) expect(isPrincipal(bad), String(bad)).toBe(false);
  });
});
