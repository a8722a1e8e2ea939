import fc from 'fast-check';
import type { FuzzOperation } from './openapi';
import { freshCustomerToken, VALID_ROLE_TOKENS, type FuzzWorld } from './world';

/*
 * The headers of a fuzz request (issue 11): a token of a role the operation's summary names,
 * of any role or of any wrong kind; an Idempotency-Key, shared, fresh or invalid; a content
 * type; now and then the X-Forwarded-For and User-Agent the order audit records.
 */

/** sometimes is `arbitrary` once in `1 + absentWeight` draws, else undefined. */
export function sometimes<T>(
  arbitrary: fc.Arbitrary<T>,
  absentWeight: number,
): fc.Arbitrary<T | undefined> {
  return fc.oneof(
    { weight: absentWeight, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary },
  );
}

/** latin1 spells UTF-8 bytes as a header value, as they arrive over HTTP/1.1. */
const latin1 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

/** KEY_POOL_N is how many Idempotency-Keys are shared by the run, so keys are reused. */
const KEY_POOL_N = 16;

/** idempotencyKeyOf is an Idempotency-Key: none, a shared one, a fresh one, or an invalid one. */
export function idempotencyKeyOf(): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 10, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.nat({ max: KEY_POOL_N - 1 }).map((i) => `fuzz-key-${i}`) },
    { weight: 3, arbitrary: fc.uuid() },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        ' ',
        'x'.repeat(256),
        'x'.repeat(255),
        latin1('clé-ключ'),
        'a\tb',
      ),
    },
  );
}

/**
 * ROLE_WORDS map words of an operation's summary ("(owner, staff)", "(customer)") to the token
 * variants of the roles they name; an owner may be a customer or a seller's operator.
 */
const ROLE_WORDS: [RegExp, string[]][] = [
  [/\bstaff\b/, ['staff', 'otherStaff']],
  [/\b(customer|owner|requester|parties|anyone)\b/, ['customer', 'otherCustomer']],
  [/\b(operator|owner)\b/, ['operator', 'otherOperator', 'busOperator', 'hotelOperator']],
];

/** fittingTokens names the token variants of the roles `op`'s summary names (all when none). */
function fittingTokens(op: FuzzOperation): string[] {
  const names = ROLE_WORDS.filter(([words]) => words.test(op.summary)).flatMap(([, n]) => n);
  return names.length > 0 ? names : [...VALID_ROLE_TOKENS];
}

/**
 * authorizationOf names a token variant: often one of a role the operation's summary names,
 * else any valid role, a fresh customer, or any of the wrong ones.
 */
export function authorizationOf(world: FuzzWorld, op: FuzzOperation): fc.Arbitrary<string> {
  const valid: readonly string[] = VALID_ROLE_TOKENS;
  const wrong = Object.keys(world.authorizations).filter(
    (name) => !name.startsWith('freshCustomer') && !valid.includes(name),
  );
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...fittingTokens(op)) },
    { weight: 6, arbitrary: fc.constantFrom(...valid) },
    { weight: 3, arbitrary: fc.noBias(fc.nat()).map(freshCustomerToken) },
    { weight: 4, arbitrary: fc.constantFrom(...wrong) },
  );
}

/** CONTENT_TYPES are the media types a body is sent with (undefined: no header). */
const CONTENT_TYPES = [
  'application/json; charset=utf-8',
  'text/plain',
  undefined,
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=fuzz',
  'application/problem+json',
  'APPLICATION/JSON',
];

/** contentTypeOf is the Content-Type: JSON mostly when there is a body, anything otherwise. */
export function contentTypeOf(): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 16, arbitrary: fc.constant('application/json') },
    { weight: 4, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
  );
}

/** extraHeadersOf adds, now and then, the headers the audit reads: X-Forwarded-For, User-Agent. */
export function extraHeadersOf(): fc.Arbitrary<Record<string, string>> {
  const forwarded = fc.constantFrom('203.0.113.7', 'not-an-ip', '1.2.3.4, 5.6.7.8', '::1', ' , ');
  const agent = fc.constantFrom('fuzz/1.0', 'x'.repeat(5_000), latin1('ägent ☃'));
  return fc.tuple(sometimes(forwarded, 9), sometimes(agent, 9)).map(([ip, userAgent]) => ({
    ...(ip === undefined ? {} : { 'x-forwarded-for': ip }),
    ...(userAgent === undefined ? {} : { 'user-agent': userAgent }),
  }));
}
