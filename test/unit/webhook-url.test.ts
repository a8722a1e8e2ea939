import { describe, expect, it } from 'vitest';
import { DomainError } from '../../domain/errors';
import {
  assertWebhookUrl,
  isPrivateAddress,
  type WebhookUrlPolicy,
} from '../../domain/webhook-rules';

/*
 * The endpoint URL rule of SPEC.md §11: https only, and no loopback, private, link-local or
 * unspecified address, unless WEBHOOK_ALLOW_HTTP / WEBHOOK_ALLOW_PRIVATE say otherwise.
 */

const STRICT: WebhookUrlPolicy = { allowHttp: false, allowPrivate: false };
const OPEN: WebhookUrlPolicy = { allowHttp: true, allowPrivate: true };

/** refusal returns the 422 the rule throws for `url`, or undefined when it accepts it. */
function refusal(url: string, policy: WebhookUrlPolicy): DomainError | undefined {
  try {
    assertWebhookUrl(url, policy);
    return undefined;
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    return err;
  }
}

describe('assertWebhookUrl', () => {
  it.each([
    'https://example.com/hooks',
    'https://hooks.example.com:8443/a?b=c',
    'https://8.8.8.8/x',
    'https://172.32.0.1/',
    'https://172.15.255.255/',
    'https://192.169.0.1/',
    'https://[2001:db8::1]/',
    'https://[2606:4700::1111]/',
    'https://[::ffff:8.8.8.8]/',
    'https://localhost.example.com/',
    'https://notlocalhost/',
  ])('when %s is public https, then it is accepted under the strict policy', (url) => {
    expect(refusal(url, STRICT)).toBeUndefined();
  });

  it.each([
    ['not a url', 'must be an absolute URL'],
    ['/relative/path', 'must be an absolute URL'],
    ['https://', 'must be an absolute URL'],
    ['http://example.com/', 'must use https'],
    ['ftp://example.com/', 'must use https'],
    ['javascript:alert(1)', 'must use https'],
    ['https://user:pass@example.com/', 'must not carry a user name or password'],
    ['https://user@example.com/', 'must not carry a user name or password'],
  ])('when the URL is %s, then 422 on url: %s', (url, message) => {
    const err = refusal(url, STRICT);
    expect(err?.code).toBe('validation_failed');
    expect(err?.extra).toEqual({ errors: [{ path: 'url', message }] });
  });

  it.each([
    'https://127.0.0.1/',
    'https://127.255.255.254:8443/',
    'https://10.0.0.1/',
    'https://10.255.255.255/',
    'https://172.16.0.1/',
    'https://172.31.255.255/',
    'https://192.168.1.1/',
    'https://169.254.169.254/latest/meta-data/',
    'https://0.0.0.0/',
    'https://0/',
    'https://localhost/',
    'https://LOCALHOST./',
    'https://api.localhost/',
    'https://[::1]/',
    'https://[::]/',
    'https://[0:0:0:0:0:0:0:1]/',
    'https://[fc00::1]/',
    'https://[fd12:3456::1]/',
    'https://[fe80::1]/',
    'https://[febf::1]/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::ffff:10.1.2.3]/',
    'https://[::ffff:7f00:1]/',
    'https://[::ffff:169.254.169.254]/',
    'https://[::127.0.0.1]/',
    'https://[64:ff9b::10.0.0.1]/',
    'https://2130706433/',
    'https://0x7f000001/',
    'https://0x7f.1/',
    'https://017700000001/',
    'https://127.1/',
    'https://%31%32%37.0.0.1/',
    'https://3232235777/',
  ])('when %s names a private address, then 422 unless allowPrivate', (url) => {
    const err = refusal(url, STRICT);
    expect(err?.code).toBe('validation_failed');
    expect(err?.extra).toEqual({
      errors: [{ path: 'url', message: 'must not name a loopback, private or link-local address' }],
    });
    expect(refusal(url, { allowHttp: false, allowPrivate: true })).toBeUndefined();
  });

  it('when http is allowed, then http is accepted and other schemes are still refused', () => {
    expect(
      refusal('http://example.com/', { allowHttp: true, allowPrivate: false }),
    ).toBeUndefined();
    expect(refusal('ftp://example.com/', OPEN)?.extra).toEqual({
      errors: [{ path: 'url', message: 'must use https or http' }],
    });
  });

  it('when http and private are allowed, then a local receiver is accepted', () => {
    expect(refusal('http://127.0.0.1:4001/hook', OPEN)).toBeUndefined();
    expect(refusal('http://localhost:4001/hook', OPEN)).toBeUndefined();
  });

  it('when private is allowed, then user info is still refused', () => {
    expect(refusal('http://a:b@127.0.0.1/', OPEN)?.code).toBe('validation_failed');
  });

  it('when accepted, then the URL comes back as the WHATWG parser writes it', () => {
    expect(assertWebhookUrl('HTTPS://Example.COM:443/a b', STRICT)).toBe(
      'https://example.com/a%20b',
    );
    expect(assertWebhookUrl('http://2130706433:8080/h', OPEN)).toBe('http://127.0.0.1:8080/h');
  });
});

describe('isPrivateAddress (the dispatcher’s check of a resolved address)', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['169.254.169.254', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:8.8.8.8', false],
    ['fe80::1', true],
    ['8.8.8.8', false],
    ['2606:4700:4700::1111', false],
  ])('%s → %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });
});
