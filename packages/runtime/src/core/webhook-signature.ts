import { createHmac, timingSafeEqual } from 'node:crypto';

import { InvalidArgumentError } from './errors.js';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256 over
 * `<id>.<timestamp>.<body>` with the secret's bytes, sent as `webhook-signature: v1,<base64>`
 * next to `webhook-id` and `webhook-timestamp` (seconds since the epoch). A secret is written
 * `whsec_<base64>`; anything else is used as raw UTF-8 bytes. A body given as bytes is signed
 * as received, so a receiver never re-encodes what the sender signed.
 */
export function webhookSignature(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string | Uint8Array,
): string {
  const mac = createHmac('sha256', secretBytes(secret))
    .update(`${id}.${timestampSeconds}.`)
    .update(body)
    .digest('base64');
  return `v1,${mac}`;
}

/** The three headers of a signed delivery. */
export function signedHeaders(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string,
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': webhookSignature(secret, id, timestampSeconds, body),
  };
}

/**
 * Whether one of the space-separated signatures in `header` (several during a secret
 * rotation) matches, compared in constant time.
 */
export function verifyWebhookSignature(
  secrets: readonly string[],
  id: string,
  timestampSeconds: number,
  body: string | Uint8Array,
  header: string,
): boolean {
  const offered = header
    .split(' ')
    .filter((part) => part.startsWith('v1,'))
    .map((part) => Buffer.from(part.slice(3), 'base64'));
  return secrets.some((secret) => {
    const expected = Buffer.from(webhookSignature(secret, id, timestampSeconds, body).slice(3), 'base64');
    return offered.some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected));
  });
}

function secretBytes(secret: string): Buffer {
  if (typeof secret !== 'string' || secret.length === 0)
    throw new InvalidArgumentError('A webhook secret must not be empty');
  return secret.startsWith('whsec_')
    ? Buffer.from(secret.slice('whsec_'.length), 'base64')
    : Buffer.from(secret, 'utf8');
}
