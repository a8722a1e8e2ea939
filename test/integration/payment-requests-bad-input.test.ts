import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { actor, call, expectStatus, useStack, type Actor, type TestStack } from '../helpers/stack';
import { countRows, openWallet } from '../helpers/factories';
import { openRequest } from '../helpers/payment-requests';

/*
 * Bad payment-request input gets a clear 4xx problem+json and writes nothing (SPEC.md §1, §7):
 * no payment_requests row, no approval row. Also who may decide, see and list requests, and
 * how staff page through the pending ones.
 */

const CAPPED_MAX_MINOR = 1_000;

let stack: TestStack;
/** capped is the same stack with PAYMENT_REQUEST_MAX_MINOR = 1 000. */
let capped: TestStack;
let staff: Actor;
let requester: Actor;
let fromAccountId: string;
let toAccountId: string;
let usdAccountId: string;

beforeAll(async () => {
  stack = await useStack();
  capped = await useStack({ paymentRequestMaxMinor: CAPPED_MAX_MINOR });
  [staff, requester] = [await actor('staff'), await actor('customer')];
  fromAccountId = await openWallet(stack, staff, requester, 10_000, 'EUR');
  toAccountId = await openWallet(stack, staff, requester, 0, 'EUR');
  usdAccountId = await openWallet(stack, staff, requester, 0, 'USD');
});

/** requestCount counts the requests made by the requester or touching one of its wallets. */
async function requestCount(): Promise<number> {
  return countRows(
    stack,
    `SELECT count(*) AS n FROM payment_requests
      WHERE requester_id = $1 OR from_account_id = ANY($2::uuid[]) OR to_account_id = ANY($2::uuid[])`,
    [requester.sub, [fromAccountId, toAccountId, usdAccountId]],
  );
}

/** approvalCount counts the approval rows of one request. */
async function approvalCount(paymentRequestId: string): Promise<number> {
  return countRows(
    stack,
    'SELECT count(*) AS n FROM payment_request_approvals WHERE payment_request_id = $1',
    [paymentRequestId],
  );
}

/** validBody is a request for 100 minor units between the requester's two EUR wallets. */
function validBody(): Record<string, unknown> {
  return { fromAccountId, toAccountId, amountMinor: 100, reason: 'team lunch' };
}

/**
 * expectCreateRefused posts `body` as the requester on `on`, expects a problem+json `status`
 * with `code`, and no payment request written; returns the problem.
 */
async function expectCreateRefused(
  body: unknown,
  status: number,
  code: string,
  on: TestStack = stack,
) {
  const before = await requestCount();
  const result = await call(on, 'POST', '/v1/payment-requests', { token: requester.token, body });
  expect(result.status).toBe(status);
  expect(result.headers.get('content-type')).toContain('application/problem+json');
  expect(result.body).toMatchObject({ status, code, type: expect.any(String) });
  expect(JSON.stringify(result.body)).not.toMatch(/\bat .+\.ts:\d+/);
  expect(await requestCount()).toBe(before);
  return result.body;
}

describe('bad payment requests', () => {
  it('when a customer names an unknown fromAccountId, then 404 not_found, as for an account of someone else', async () => {
    await expectCreateRefused({ ...validBody(), fromAccountId: randomUUID() }, 404, 'not_found');
  });

  it('when staff name an unknown fromAccountId, then 422 validation_failed naming fromAccountId', async () => {
    const result = await call(stack, 'POST', '/v1/payment-requests', {
      token: staff.token,
      body: { ...validBody(), fromAccountId: randomUUID() },
    });

    expect(result.status).toBe(422);
    expect(result.body.code).toBe('validation_failed');
    expect(result.body.errors).toEqual([{ path: 'fromAccountId', message: expect.any(String) }]);
  });

  it('when toAccountId is unknown, then 422 validation_failed naming toAccountId', async () => {
    const problem = await expectCreateRefused(
      { ...validBody(), toAccountId: randomUUID() },
      422,
      'validation_failed',
    );
    expect(problem.errors).toEqual([{ path: 'toAccountId', message: expect.any(String) }]);
  });

  it('when the accounts hold EUR and USD, then 422 currency_mismatch naming both currencies', async () => {
    const problem = await expectCreateRefused(
      { ...validBody(), toAccountId: usdAccountId },
      422,
      'currency_mismatch',
    );
    expect(problem.currencies).toEqual(['EUR', 'USD']);
  });

  it.each([
    ['0', 0],
    ['-1', -1],
    ['1.5', 1.5],
    ['the string "100"', '100'],
  ])('when amountMinor is %s, then 422 validation_failed naming amountMinor', async (_, amount) => {
    const problem = await expectCreateRefused(
      { ...validBody(), amountMinor: amount },
      422,
      'validation_failed',
    );
    expect(problem.errors.map((e: { path: string }) => e.path)).toContain('amountMinor');
  });

  it('when amountMinor is one over PAYMENT_REQUEST_MAX_MINOR, then 422, and the maximum itself is accepted', async () => {
    const over = { ...validBody(), amountMinor: CAPPED_MAX_MINOR + 1 };
    const problem = await expectCreateRefused(over, 422, 'validation_failed', capped);
    expect(problem.errors).toEqual([{ path: 'amountMinor', message: expect.any(String) }]);

    const atMax = await call(capped, 'POST', '/v1/payment-requests', {
      token: requester.token,
      body: { ...validBody(), amountMinor: CAPPED_MAX_MINOR },
    });

    expect(atMax.status).toBe(201);
    expect(atMax.body).toMatchObject({ status: 'pending_approval', amountMinor: CAPPED_MAX_MINOR });
  });

  it.each([
    ['of 0 characters', ''],
    ['of blanks only', '   '],
    ['of 501 characters', 'r'.repeat(501)],
    ['of 10 kB', 'r'.repeat(10_240)],
  ])('when the reason is %s, then 422 validation_failed naming reason', async (_, reason) => {
    const problem = await expectCreateRefused({ ...validBody(), reason }, 422, 'validation_failed');
    expect(problem.errors.map((e: { path: string }) => e.path)).toContain('reason');
  });

  it('when the reason has 500 characters, then the request is accepted', async () => {
    const result = await call(stack, 'POST', '/v1/payment-requests', {
      token: requester.token,
      body: { ...validBody(), reason: 'r'.repeat(500) },
    });

    expect(result.status).toBe(201);
    expect(result.body.reason).toHaveLength(500);
  });

  it('when both accounts are the same, then 422 validation_failed', async () => {
    await expectCreateRefused(
      { ...validBody(), toAccountId: fromAccountId },
      422,
      'validation_failed',
    );
  });

  it('when the body has an extra field, then 422 validation_failed', async () => {
    await expectCreateRefused({ ...validBody(), priority: 'urgent' }, 422, 'validation_failed');
  });
});

describe('whose account a request may name as its source', () => {
  it("when a customer or an operator names someone else's account, then 404 as for a missing one, whatever its currency", async () => {
    const stranger = await actor('customer');
    const [eurOfStranger, usdOfStranger] = await Promise.all([
      openWallet(stack, staff, stranger, 10_000, 'EUR'),
      openWallet(stack, staff, stranger, 10_000, 'USD'),
    ]);
    const operator = await actor('operator', randomUUID());
    const before = await requestCount();

    const asked = await Promise.all(
      [
        [requester, eurOfStranger],
        [requester, usdOfStranger],
        [requester, randomUUID()],
        [operator, eurOfStranger],
      ].map(([who, from]) =>
        call(stack, 'POST', '/v1/payment-requests', {
          token: (who as Actor).token,
          body: { ...validBody(), fromAccountId: from },
        }),
      ),
    );

    expect(asked.map((r) => [r.status, r.body.code])).toEqual(Array(4).fill([404, 'not_found']));
    expect(new Set(asked.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(await requestCount()).toBe(before);
  });

  it("when staff name anyone's account, then 201 pending_approval", async () => {
    const result = await call(stack, 'POST', '/v1/payment-requests', {
      token: staff.token,
      body: validBody(),
    });

    expect(result.status).toBe(201);
    expect(result.body).toMatchObject({ status: 'pending_approval', fromAccountId });
  });
});

describe('who may decide', () => {
  it.each([
    ['approves', 'approve', { note: 'fine by me' }],
    ['rejects', 'reject', { reason: 'not now' }],
  ])(
    'when a customer %s a request, then 403 forbidden and nothing is decided',
    async (_, verb, body) => {
      const scene = await openRequest(stack, staff, requester, {
        amountMinor: 100,
        fundedMinor: 0,
      });
      const customer = await actor('customer');

      const result = await call(stack, 'POST', `/v1/payment-requests/${scene.request.id}/${verb}`, {
        token: customer.token,
        body,
      });

      expect(result.status).toBe(403);
      expect(result.headers.get('content-type')).toContain('application/problem+json');
      expect(result.body.code).toBe('forbidden');
      expect(await approvalCount(scene.request.id)).toBe(0);
      const stored = await call(stack, 'GET', `/v1/payment-requests/${scene.request.id}`, {
        token: requester.token,
      });
      expect(stored.body).toMatchObject({ status: 'pending_approval', approval: null });
    },
  );

  it('when staff reject without a reason, then 422 validation_failed naming reason and nothing is decided', async () => {
    const scene = await openRequest(stack, staff, requester, { amountMinor: 100, fundedMinor: 0 });

    const result = await call(stack, 'POST', `/v1/payment-requests/${scene.request.id}/reject`, {
      token: staff.token,
      body: {},
    });

    expect(result.status).toBe(422);
    expect(result.body.code).toBe('validation_failed');
    expect(result.body.errors.map((e: { path: string }) => e.path)).toContain('reason');
    expect(await approvalCount(scene.request.id)).toBe(0);
  });
});

describe('who may read', () => {
  it("when a customer asks for someone else's request, then 404 as for a missing one", async () => {
    const scene = await openRequest(stack, staff, requester, { amountMinor: 100, fundedMinor: 0 });
    const stranger = await actor('customer');

    const other = await call(stack, 'GET', `/v1/payment-requests/${scene.request.id}`, {
      token: stranger.token,
    });
    const missing = await call(stack, 'GET', `/v1/payment-requests/${randomUUID()}`, {
      token: stranger.token,
    });

    expect(other.status).toBe(404);
    expect(other.body.code).toBe('not_found');
    expect(other.body).toEqual(missing.body);
  });

  it('when a customer lists payment requests, then 403 forbidden', async () => {
    const result = await call(stack, 'GET', '/v1/payment-requests', { token: requester.token });

    expect(result.status).toBe(403);
    expect(result.body.code).toBe('forbidden');
  });

  it('when staff page through ?status=pending_approval with limit=2, then every page holds only pending requests and the pages hold all three new ones', async () => {
    const pending = [];
    for (let i = 0; i < 3; i++) {
      pending.push(
        await openRequest(stack, staff, requester, { amountMinor: 100, fundedMinor: 0 }),
      );
    }
    const decided = await openRequest(stack, staff, requester, {
      amountMinor: 100,
      fundedMinor: 0,
    });
    expectStatus(
      await call(stack, 'POST', `/v1/payment-requests/${decided.request.id}/reject`, {
        token: staff.token,
        body: { reason: 'not this one' },
      }),
      200,
    );

    const wanted = pending.map((s) => s.request.id);
    const { seen, pages } = await pageThroughPending(wanted, 100);

    const ids = seen.map((item) => item.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(ids).toEqual(expect.arrayContaining(wanted));
    expect(ids).not.toContain(decided.request.id);
    expect(new Set(seen.map((item) => item.status))).toEqual(new Set(['pending_approval']));
  });

  it('when staff approve a funded request, then GET by id shows the approval and the payout', async () => {
    const scene = await openRequest(stack, staff, requester, {
      amountMinor: 300,
      fundedMinor: 500,
    });
    const approver = await actor('staff');
    expectStatus(
      await call(stack, 'POST', `/v1/payment-requests/${scene.request.id}/approve`, {
        token: approver.token,
        body: { note: 'within budget' },
      }),
      200,
    );

    const result = await call(stack, 'GET', `/v1/payment-requests/${scene.request.id}`, {
      token: requester.token,
    });

    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({
      id: scene.request.id,
      status: 'paid',
      workflowId: `payment-request-${scene.request.id}-approval`,
      approval: {
        decision: 'approved',
        approverId: approver.sub,
        note: 'within budget',
        decidedAt: expect.any(String),
      },
      payout: {
        status: 'paid',
        transferId: `payment-request-${scene.request.id}-payout`,
        failure: null,
      },
    });
    expect(Date.parse(result.body.paidAt)).toBeGreaterThanOrEqual(
      Date.parse(result.body.decidedAt),
    );
  });
});

/** ListedRequest is what the paging test reads of a listed request. */
interface ListedRequest {
  id: string;
  status: string;
}

/**
 * pageThroughPending lists `?status=pending_approval&limit=2` as staff, following nextCursor
 * until every ID of `wanted` was seen or the list ends, for at most `pagesMax` pages. Each page
 * must hold at most two items and carry a cursor exactly when it is full.
 */
async function pageThroughPending(wanted: string[], pagesMax: number) {
  const seen: ListedRequest[] = [];
  let cursor: string | null = null;
  let pages = 0;
  while (pages < pagesMax) {
    const after: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const body: { items: ListedRequest[]; nextCursor: string | null } = expectStatus(
      await call(stack, 'GET', `/v1/payment-requests?status=pending_approval&limit=2${after}`, {
        token: staff.token,
      }),
      200,
    );
    pages += 1;
    expect(body.items.length).toBeLessThanOrEqual(2);
    expect(body.nextCursor === null).toBe(body.items.length < 2);
    seen.push(...body.items);
    cursor = body.nextCursor;
    const ids = new Set(seen.map((item) => item.id));
    if (!cursor || wanted.every((id) => ids.has(id))) break;
  }
  return { seen, pages };
}
