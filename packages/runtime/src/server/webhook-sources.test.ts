import { describe, expect, it } from 'vitest';

import { resolveWebhookSources, webhookSecretEnv } from './webhook-sources.js';

const A = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const B = 'whsec_dGhlLW5leHQtc2VjcmV0LWFmdGVyLXJvdGF0aW9u';

describe('webhook sources', () => {
  it('takes secrets from the config, a named variable or the default variable, and adds sources named by variables', () => {
    const sources = resolveWebhookSources(
      {
        sources: {
          github: { secretEnv: 'GITHUB_WEBHOOK_SECRET', event: 'repo.pushed' },
          'stripe-live': {},
          inline: { secrets: [A] },
        },
      },
      {
        GITHUB_WEBHOOK_SECRET: A,
        VIGIL_WEBHOOK_SECRET_STRIPE_LIVE: `${A}, ${B}`,
        VIGIL_WEBHOOK_SECRET_BILLING: ` ${A}  ${B} `,
        PATH: '/usr/bin',
      },
    );
    expect(sources).toEqual([
      { name: 'github', secrets: [A], event: 'repo.pushed' },
      { name: 'stripe-live', secrets: [A, B], event: null },
      { name: 'inline', secrets: [A], event: null },
      { name: 'billing', secrets: [A, B], event: null },
    ]);
    expect(webhookSecretEnv('stripe-live')).toBe('VIGIL_WEBHOOK_SECRET_STRIPE_LIVE');
    expect(resolveWebhookSources(undefined, {})).toEqual([]);
  });

  it('refuses at start-up a source it could not verify deliveries for, without printing a secret', () => {
    const refusal = (config: Parameters<typeof resolveWebhookSources>[0], env: Record<string, string> = {}) => {
      try {
        resolveWebhookSources(config, env);
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(refusal({ sources: { github: {} } })).toBe(
      'webhooks.sources.github has no secret: set VIGIL_WEBHOOK_SECRET_GITHUB or secrets',
    );
    expect(refusal({ sources: { github: { secretEnv: 'GH' } } })).toBe('webhooks.sources.github has no secret: set GH');
    expect(refusal({ sources: { github: { secrets: [A], secretEnv: 'GH' } } })).toContain('not both');
    expect(refusal({ sources: { 'git hub': { secrets: [A] } } })).toContain("letters, digits, '-' or '_'");
    expect(refusal({ sources: { github: { secrets: [A], event: 'no spaces' } } })).toContain(
      'webhooks.sources.github.event',
    );
    expect(refusal({ sources: { github: { secrets: ['whsec_not base64!'] } } })).toBe(
      'webhooks.sources.github: a whsec_ secret must be followed by base64',
    );
    expect(refusal(undefined, { VIGIL_WEBHOOK_SECRET_GITHUB: ' , ' })).toBe(
      'VIGIL_WEBHOOK_SECRET_GITHUB is set but holds no secret',
    );
    expect(refusal(undefined, { 'VIGIL_WEBHOOK_SECRET_A.B': A })).toContain(
      'VIGIL_WEBHOOK_SECRET_A.B: the source name',
    );
  });
});
