import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { newWebhookSecret } from '../../api/webhooks/service';

/* Signing secrets are in the Standard Webhooks format the reference package takes (SPEC.md §11). */

describe('newWebhookSecret', () => {
  it('when made, then it is whsec_ and the base64 of 32 random bytes, different each time', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(secret);
  });

  it('when used by the standardwebhooks package, then sign and verify round-trip', () => {
    const secret = newWebhookSecret();
    const webhook = new Webhook(secret);
    const payload = JSON.stringify({ id: 'evt', type: 'order.paid' });
    const id = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
    const timestamp = new Date();
    const signature = webhook.sign(id, timestamp, payload);
    expect(signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signature,
    };
    expect(webhook.verify(payload, headers)).toEqual(JSON.parse(payload));
    expect(() => new Webhook(newWebhookSecret()).verify(payload, headers)).toThrow();
  });
});
