import fc from 'fast-check';
import { parseDurationMs } from '../../domain/duration';
import {
  currencyValue,
  dateTimeValue,
  dateValue,
  mutate,
  mutationValue,
  schemaValue,
  type FuzzOperation,
  type Hint,
  type JsonSchema,
} from './openapi';
import {
  authorizationOf,
  contentTypeOf,
  extraHeadersOf,
  idempotencyKeyOf,
  sometimes,
} from './headers';
import { shapeBody } from './shapes';
import type { FuzzWorld, PoolKind } from './world';

/*
 * Request generation for the fuzzer (issue 11): for one documented operation, a path with real,
 * random or garbage IDs, a query string from its parameters plus unknown ones, a body from its
 * schema (or random JSON, text, nothing, or more than 64 KiB), a content type, an
 * Idempotency-Key and a token of any role or any way wrong. Real IDs come from the FuzzWorld.
 */

/** FuzzRequest is one generated request, ready to send: everything needed to reproduce it. */
export interface FuzzRequest {
  /** route is the operation it was made from, `POST /v1/orders/{id}/pay` (for the counts). */
  route: string;
  method: string;
  /** path is the path and query string, `/v1/orders/…/pay?x=1`. */
  path: string;
  headers: Record<string, string>;
  /** body is the raw body (sent as bytes, so no content type is implied), if any. */
  body?: string;
}

/** BODY_LIMIT_OVER_BYTES is a body size just over the API's 64 KiB limit (SPEC.md §1 → 413). */
const BODY_LIMIT_OVER_BYTES = 64 * 1024 + 1;

/** SEGMENT_KINDS maps the path segment before a parameter to the kind of ID it takes. */
const SEGMENT_KINDS: Record<string, PoolKind> = {
  sellers: 'seller',
  products: 'product',
  schedules: 'schedule',
  properties: 'property',
  orders: 'order',
  accounts: 'account',
  transfers: 'transfer',
  retainers: 'retainer',
  payments: 'payment',
  bookings: 'booking',
  'payment-requests': 'paymentRequest',
  programs: 'program',
  participants: 'customer',
  items: 'product',
};

/** KEY_KINDS maps body and query keys to the kind of ID they hold. */
const KEY_KINDS: Record<string, PoolKind> = {
  productId: 'product',
  sellerId: 'seller',
  scheduleId: 'schedule',
  roomTypeId: 'roomType',
  accountId: 'account',
  fromAccountId: 'account',
  toAccountId: 'account',
  payerAccountId: 'account',
  payeeAccountId: 'account',
  customerId: 'customer',
  ownerId: 'customer',
  clientId: 'customer',
};

const ALL_KINDS = [...new Set(Object.values(SEGMENT_KINDS)), 'roomType'] as PoolKind[];

/** GARBAGE_IDS are path IDs that are not IDs; each is sent raw or percent-encoded. */
const GARBAGE_IDS = [
  'abc',
  '',
  'x'.repeat(300),
  'ü',
  '日本',
  '../..',
  '..',
  '%',
  '%zz',
  '%00',
  'null',
  '-1',
  '0',
  '00000000-0000-0000-0000-000000000000',
  'FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF',
  '{6f1c2a0e-4b7d-4d3e-9a51-8c0f3e2b7d41}',
  "' OR 1=1 --",
];

/** realId picks an ID of `kind` from the world, or now and then of another kind. */
function realId(world: FuzzWorld, kind: PoolKind): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 10, arbitrary: fc.noBias(fc.nat()).map((i) => world.pick(kind, i)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...ALL_KINDS), fc.noBias(fc.nat()))
        .map(([other, i]) => world.pick(other, i)),
    },
  );
}

/** pathId is a path parameter: a real ID of its kind, a random UUID, or garbage. */
function pathId(world: FuzzWorld, kind: PoolKind | undefined): fc.Arbitrary<string> {
  const garbage = fc
    .tuple(fc.oneof(fc.constantFrom(...GARBAGE_IDS), fc.string({ maxLength: 20 })), fc.boolean())
    .map(([id, encode]) => (encode ? encodeURIComponent(id) : id));
  return fc.oneof(
    { weight: 14, arbitrary: kind ? realId(world, kind) : fc.uuid() },
    { weight: 3, arbitrary: fc.uuid() },
    { weight: 3, arbitrary: garbage },
  );
}

/** filledPath replaces each `{param}` of the template with a generated ID. */
function filledPath(op: FuzzOperation, world: FuzzWorld): fc.Arbitrary<string> {
  const segments = op.path.split('/');
  const parts = segments.map((segment, index) => {
    const param = /^\{(\w+)\}$/.exec(segment)?.[1];
    if (!param) return fc.constant(segment);
    return pathId(world, SEGMENT_KINDS[segments[index - 1] ?? '']);
  });
  return fc.tuple(...parts).map((filled) => filled.join('/'));
}

/**
 * worldHint is the fuzzer's knowledge of names: IDs of the right kind (mostly real), near
 * dates, bookable seat numbers, durations (never shorter than an hour, so no hold times out
 * mid-run), EUR; undefined lets the schema decide.
 */
export function worldHint(world: FuzzWorld): Hint {
  return (key: string, schema: JsonSchema) => {
    const kind = KEY_KINDS[key];
    if (kind)
      return fc.oneof(
        { weight: 9, arbitrary: realId(world, kind) },
        { weight: 1, arbitrary: fc.uuid() },
      );
    if (key === 'seats' && schema.type === 'array') return seatsValue();
    if (key === 'checkIn' || key === 'checkOut' || key === 'date') return dateValue();
    if (/At$/.test(key)) return dateTimeValue();
    if (key === 'currency') return currencyValue();
    if (key === 'timeout') return durationValue();
    return undefined;
  };
}

/** seatsValue is mostly 1–3 distinct seats of a 40-seat bus, else an edge (none, 0, twice, 45). */
function seatsValue(): fc.Arbitrary<readonly number[]> {
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 3 }),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom([], [0], [3, 3], [45], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
    },
  );
}

/** durationValue is a hold timeout: a valid one of an hour or more, or one that is not valid. */
function durationValue(): fc.Arbitrary<string> {
  const longEnough = (value: string) => {
    const ms = parseDurationMs(value);
    return ms === undefined || ms >= 3_600_000;
  };
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('1h', '2h', '24h', '2d', '30d') },
    { weight: 1, arbitrary: fc.constantFrom('31d', '367d', '0s', '-1h', '1.5h', 'PT1H', '1', '') },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }).filter(longEnough) },
  );
}

/** bodyOf is a request body for `op`: from its schema (valid or spoiled), or anything else. */
function bodyOf(op: FuzzOperation, hint: Hint): fc.Arbitrary<string | undefined> {
  if (op.method === 'GET') return fc.constant(undefined);
  const schema: JsonSchema = op.body ?? { type: 'object', properties: {} };
  const route = `${op.method} ${op.path}`;
  const valid = fc
    .tuple(schemaValue(schema, hint), fc.noBias(fc.nat()))
    .map(([value, n]) => shapeBody(route, value, n));
  const spoiled = fc.tuple(valid, mutationValue()).map(([value, m]) => mutate(value, m));
  const json = (arbitrary: fc.Arbitrary<unknown>) => arbitrary.map((v) => JSON.stringify(v) ?? '');
  const truncated = fc
    .tuple(json(valid), fc.nat())
    .map(([text, cut]) => text.slice(0, Math.max(1, cut % Math.max(text.length, 1))));
  const huge = fc
    .nat({ max: 4 * BODY_LIMIT_OVER_BYTES })
    .map((extra) => JSON.stringify({ pad: 'x'.repeat(BODY_LIMIT_OVER_BYTES + extra) }));
  return fc.oneof(
    { weight: op.body ? 10 : 1, arbitrary: json(valid) },
    { weight: op.body ? 3 : 1, arbitrary: json(spoiled) },
    { weight: op.body ? 1 : 6, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: json(fc.jsonValue({ maxDepth: 3 })) },
    { weight: 1, arbitrary: fc.string({ maxLength: 60, unit: 'binary' }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('', 'null', '[]', '{}', '"x"', '{"a":1}{', '\uFEFF{}'),
    },
    { weight: 1, arbitrary: truncated },
    { weight: 1, arbitrary: huge },
  );
}

/** LIMIT_VALUES are `limit` values around and past the bounds (SPEC.md §1: 1…200). */
const LIMIT_VALUES = [
  '0',
  '-1',
  '1',
  '50',
  '200',
  '201',
  '1000000000',
  'abc',
  '1.5',
  '',
  '1e3',
  ' 5',
  '0x10',
];

/**
 * cursorValue is a list cursor: random text, or base64url JSON with the keys the API's
 * cursors hold and values of any kind (the API must refuse what it did not issue with 422).
 */
function cursorValue(): fc.Arbitrary<string> {
  const field = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.uuid(),
    dateTimeValue(),
    fc.integer().map(String),
    fc.constantFrom('9'.repeat(25), '2030-02-30T00:00:00Z', '\u0000', 'NaN'),
  );
  const position = fc.record(
    { id: field, createdAt: field, departsAt: field, name: field },
    { requiredKeys: [] },
  );
  const encoded = fc
    .oneof(position, fc.jsonValue({ maxDepth: 2 }))
    .map((value) => Buffer.from(JSON.stringify(value) ?? '').toString('base64url'));
  return fc.oneof(
    encoded,
    fc.string({ maxLength: 40 }),
    fc.constantFrom('', '%%%', 'x'.repeat(600)),
  );
}

/** queryValue is one query parameter's value, by name first, else from its schema. */
function queryValue(name: string, schema: JsonSchema, hint: Hint): fc.Arbitrary<string> {
  if (name === 'limit')
    return fc.oneof(fc.integer({ min: 1, max: 200 }).map(String), fc.constantFrom(...LIMIT_VALUES));
  if (name === 'cursor') return cursorValue();
  if (name === 'days') return fc.constantFrom('7', '1', '0', '-1', '366', '100000', 'abc', '7.5');
  const fromSchema = fc.oneof(schemaValue(schema, hint, name), fc.string({ maxLength: 20 }));
  return fromSchema.map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? '')));
}

/** RAW_QUERY_TAILS are query-string fragments URLSearchParams would never write. */
const RAW_QUERY_TAILS = [
  'limit=1&limit=2',
  '%zz=1',
  '=&&=',
  'limit',
  'q=%E0%A4%A',
  'a[b]=c',
  '%00=%00',
];

/** queryOf is the query string: some documented parameters, unknown ones, raw oddities. */
function queryOf(op: FuzzOperation, hint: Hint): fc.Arbitrary<string> {
  const known = op.query.map((p) =>
    sometimes(
      queryValue(p.name, p.schema, hint).map((v) => [p.name, v] as const),
      1,
    ),
  );
  const unknown = sometimes(fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })), 5);
  const raw = sometimes(fc.constantFrom(...RAW_QUERY_TAILS), 9);
  return fc.tuple(fc.tuple(...known), unknown, raw).map(([pairs, extra, tail]) => {
    const params = new URLSearchParams();
    for (const pair of pairs) if (pair) params.append(pair[0], pair[1]);
    if (extra) params.append(extra[0], extra[1]);
    const text = [params.toString(), tail ?? ''].filter(Boolean).join('&');
    return text ? `?${text}` : '';
  });
}

/** OTHER_METHODS are sent now and then instead of the documented one (→ 404 problem+json). */
const OTHER_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * fuzzRequests is an arbitrary request for any documented operation (uniformly), built as the
 * file's header describes; IDs are picked from `world` when the value is generated.
 */
export function fuzzRequests(
  operations: FuzzOperation[],
  world: FuzzWorld,
): fc.Arbitrary<FuzzRequest> {
  const hint = worldHint(world);
  return fc.constantFrom(...operations).chain((op) =>
    fc
      .record({
        method: fc.oneof(
          { weight: 30, arbitrary: fc.constant(op.method) },
          fc.constantFrom(...OTHER_METHODS),
        ),
        path: filledPath(op, world),
        query: queryOf(op, hint),
        body: bodyOf(op, hint),
        token: authorizationOf(world, op),
        key: idempotencyKeyOf(),
        contentType: contentTypeOf(),
        extra: extraHeadersOf(),
      })
      .map((parts) => {
        const headers: Record<string, string> = { ...parts.extra };
        const authorization = world.authorizations[parts.token];
        if (authorization !== undefined) headers.authorization = authorization;
        if (parts.key !== undefined) headers['idempotency-key'] = parts.key;
        if (parts.contentType !== undefined) headers['content-type'] = parts.contentType;
        const body = parts.method === 'GET' ? undefined : parts.body;
        return {
          route: `${op.method} ${op.path}`,
          method: parts.method,
          path: `${parts.path}${parts.query}`,
          headers,
          ...(body === undefined ? {} : { body }),
        };
      }),
  );
}
