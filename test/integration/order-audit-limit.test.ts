import { beforeAll, describe, expect, it } from 'vitest';
import { countRows } from '../helpers/factories';
import { actor, call, useStack, type ApiResult, type TestStack } from '../helpers/stack';

/*
 * Refused order submissions that never reach the customer's gate (not JSON, an invalid body)
 * each write an `order_failures` row (SPEC.md §8), and the gate's throttle never sees them. So
 * they count against WRITES_PER_MINUTE (SPEC.md §10): past it they are refused 429 `throttled`
 * and write nothing, and no client grows the audit faster than the limit.
 */

const WRITES_PER_MINUTE = 3;
let stack: TestStack;

beforeAll(async () => {
  stack = await useStack({ writesPerMinute: WRITES_PER_MINUTE });
});

/** auditRowsOf counts a customer's `order_failures` rows. */
function auditRowsOf(customerId: string): Promise<number> {
  return countRows(stack, 'SELECT count(*) AS n FROM order_failures WHERE customer_id = $1', [
    customerId,
  ]);
}

/** sendEach sends `count` submissions one after another and returns their answers. */
async function sendEach(count: number, send: () => Promise<ApiResult>): Promise<ApiResult[]> {
  const answers: ApiResult[] = [];
  for (let i = 0; i < count; i += 1) answers.push(await send());
  return answers;
}

describe('refusals before the order gate are bounded by the write limit', () => {
  it('when a customer sends 5 bodies that are not JSON, then 3 are refused 400 with their audit row and 2 are throttled 429 without one', async () => {
    const buyer = await actor('customer');

    const answers = await sendEach(5, () =>
      call(stack, 'POST', '/v1/orders', { token: buyer.token, rawBody: '{"lines": [' }),
    );

    expect(answers.map((a) => a.status)).toEqual([400, 400, 400, 429, 429]);
    expect(answers[3]!.body.code).toBe('throttled');
    expect(Number(answers[3]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(answers[3]!.headers.get('ratelimit-policy')).toContain('writes');
    expect(await auditRowsOf(buyer.sub)).toBe(WRITES_PER_MINUTE);
  });

  it('when a customer sends 5 invalid bodies, then 3 are refused 422 with their audit row and 2 are throttled 429 without one', async () => {
    const buyer = await actor('customer');

    const answers = await sendEach(5, () =>
      call(stack, 'POST', '/v1/orders', { token: buyer.token, body: { lines: [] } }),
    );

    expect(answers.map((a) => a.status)).toEqual([422, 422, 422, 429, 429]);
    expect(answers.slice(3).map((a) => a.body.code)).toEqual(['throttled', 'throttled']);
    expect(await auditRowsOf(buyer.sub)).toBe(WRITES_PER_MINUTE);
  });
});
