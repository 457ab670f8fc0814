import { describe, expect, it } from 'vitest';

import { signedHeaders, verifyWebhookSignature, webhookSignature } from './webhook-signature.js';

// The example from the Standard Webhooks specification's reference implementations.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TIMESTAMP = 1614265330;
const BODY = '{"test": 2432232314}';

describe('Standard Webhooks signatures', () => {
  it('matches the reference signature of the specification', () => {
    expect(webhookSignature(SECRET, ID, TIMESTAMP, BODY)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('verifies any of several signatures against any of several secrets, and refuses changed input', () => {
    const headers = signedHeaders(SECRET, ID, TIMESTAMP, BODY);
    const rotated = `v1,AAAA ${headers['webhook-signature']}`;
    expect(verifyWebhookSignature(['whsec_b2xk', SECRET], ID, TIMESTAMP, BODY, rotated)).toBe(true);
    expect(verifyWebhookSignature([SECRET], ID, TIMESTAMP, `${BODY} `, rotated)).toBe(false);
    expect(verifyWebhookSignature([SECRET], ID, TIMESTAMP + 1, BODY, rotated)).toBe(false);
    expect(verifyWebhookSignature([SECRET], 'msg_other', TIMESTAMP, BODY, rotated)).toBe(false);
    expect(verifyWebhookSignature([SECRET], ID, TIMESTAMP, BODY, 'v2,whatever')).toBe(false);
  });
});
