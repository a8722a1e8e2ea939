import { beforeAll, describe, expect, it } from 'vitest';
import { actor, call, useStack, type Actor, type TestStack } from '../helpers/stack';

/** BODY_MAX_BYTES and LIST_LIMIT_MAX of the app under test: smaller than the defaults. */
const BODY_MAX_BYTES = 2_048;
const LIST_LIMIT_MAX = 10;

let limited: TestStack;
let defaults: TestStack;
let staff: Actor;

beforeAll(async () => {
  limited = await useStack({ bodyMaxBytes: BODY_MAX_BYTES, listLimitMax: LIST_LIMIT_MAX });
  defaults = await useStack();
  staff = await actor('staff');
});

/** sellerBodyOver is a POST /v1/sellers body (as JSON text) longer than `bytes`. */
function sellerBodyOver(bytes: number): string {
  return JSON.stringify({ name: 'x'.repeat(bytes), kind: 'merchant' });
}

describe('BODY_MAX_BYTES is configuration (SPEC.md §1: 413 over it)', () => {
  it('when the body is over the configured size, then 413 payload_too_large; the same body under the default passes the limit', async () => {
    const body = sellerBodyOver(BODY_MAX_BYTES);

    const refused = await call(limited, 'POST', '/v1/sellers', { token: staff.token, body });
    const passed = await call(defaults, 'POST', '/v1/sellers', { token: staff.token, body });

    expect(refused.status).toBe(413);
    expect(refused.body.code).toBe('payload_too_large');
    expect(refused.body.detail).toContain(String(BODY_MAX_BYTES));
    expect(passed.status).not.toBe(413);
  });
});

describe('LIST_LIMIT_MAX is configuration (SPEC.md §1: a larger limit is 422)', () => {
  it('when limit is above the configured maximum, then 422 on path limit; at it, 200', async () => {
    const over = await call(limited, 'GET', `/v1/products?limit=${LIST_LIMIT_MAX + 1}`, {
      token: staff.token,
    });
    const at = await call(limited, 'GET', `/v1/products?limit=${LIST_LIMIT_MAX}`, {
      token: staff.token,
    });
    const underDefault = await call(defaults, 'GET', `/v1/products?limit=${LIST_LIMIT_MAX + 1}`, {
      token: staff.token,
    });

    expect(over.status).toBe(422);
    expect(over.body.code).toBe('validation_failed');
    expect(over.body.errors).toEqual([
      { path: 'limit', message: `must be at most ${LIST_LIMIT_MAX}` },
    ]);
    expect(at.status).toBe(200);
    expect(underDefault.status).toBe(200);
  });

  it('when the default maximum (200) is passed, then 422; a caller without the role still gets 403 first', async () => {
    const customer = await actor('customer');

    const over = await call(defaults, 'GET', '/v1/products?limit=201', { token: staff.token });
    const wrongRole = await call(defaults, 'GET', '/v1/admin/order-failures?limit=500', {
      token: customer.token,
    });

    expect(over.status).toBe(422);
    expect(wrongRole.status).toBe(403);
  });
});
