import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { execute } from '../../db/transaction';
import { actor, call, expectStatus, useStack, type Actor, type TestStack } from '../helpers/stack';
import { balanceOf, countRows, expectLedgerConsistent, openWallet } from '../helpers/factories';

let stack: TestStack;
let staff: Actor;

beforeAll(async () => {
  stack = await useStack();
  staff = await actor('staff');
});

const statusCounts = (results: { status: number }[]) =>
  results.reduce<Record<number, number>>(
    (acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }),
    {},
  );

describe('staff payments (SPEC §5 reference race: one complete wins)', () => {
  it('when 10 completes of one payment race, then exactly one 200, nine 409 already_completed, one transfer', async () => {
    const [payer, payee] = [await actor('customer'), await actor('customer')];
    const payerWallet = await openWallet(stack, staff, payer, 5_000);
    const payeeWallet = await openWallet(stack, staff, payee, 0);
    const payment = expectStatus(
      await call(stack, 'POST', '/v1/payments', {
        token: staff.token,
        body: { payerAccountId: payerWallet, payeeAccountId: payeeWallet, amountMinor: 1_200 },
      }),
      201,
    );
    expect(payment.status).toBe('pending');

    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        call(stack, 'POST', `/v1/payments/${payment.id}/complete`, { token: staff.token }),
      ),
    );

    expect(statusCounts(results)).toEqual({ 200: 1, 409: 9 });
    expect(
      results.filter((r) => r.status === 409).every((r) => r.body.code === 'already_completed'),
    ).toBe(true);
    expect(results.find((r) => r.status === 200)!.body).toMatchObject({
      status: 'completed',
      transferId: `payment-${payment.id}`,
    });
    expect(
      await countRows(stack, `SELECT count(*) AS n FROM ledger_transfers WHERE id = $1`, [
        `payment-${payment.id}`,
      ]),
    ).toBe(1);
    expect([await balanceOf(stack, payerWallet), await balanceOf(stack, payeeWallet)]).toEqual([
      3_800, 1_200,
    ]);
    const later = await call(stack, 'POST', `/v1/payments/${payment.id}/complete`, {
      token: staff.token,
    });
    expect(later.status).toBe(409);
    expect(later.body.code).toBe('already_completed');
    await expectLedgerConsistent(stack);
  });

  it('when a payment cannot be covered, then 409 insufficient_funds, and after a top-up it completes once', async () => {
    const payer = await actor('customer');
    const payerWallet = await openWallet(stack, staff, payer, 100);
    const payeeWallet = await openWallet(stack, staff, await actor('customer'), 0);
    const payment = expectStatus(
      await call(stack, 'POST', '/v1/payments', {
        token: staff.token,
        body: { payerAccountId: payerWallet, payeeAccountId: payeeWallet, amountMinor: 500 },
      }),
      201,
    );

    const refused = await call(stack, 'POST', `/v1/payments/${payment.id}/complete`, {
      token: staff.token,
    });
    await call(stack, 'POST', `/v1/accounts/${payerWallet}/deposits`, {
      token: staff.token,
      body: { amountMinor: 400 },
    });
    const completed = await call(stack, 'POST', `/v1/payments/${payment.id}/complete`, {
      token: staff.token,
    });

    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('insufficient_funds');
    expect(completed.status).toBe(200);
    expect([await balanceOf(stack, payerWallet), await balanceOf(stack, payeeWallet)]).toEqual([
      0, 500,
    ]);
  });

  it('when a keyed complete posted but its answer was lost, then the retry with the same key answers 200 completed, a new complete still 409, and the money moved once', async () => {
    const payerWallet = await openWallet(stack, staff, await actor('customer'), 1_000);
    const payeeWallet = await openWallet(stack, staff, await actor('customer'), 0);
    const payment = expectStatus(
      await call(stack, 'POST', '/v1/payments', {
        token: staff.token,
        body: { payerAccountId: payerWallet, payeeAccountId: payeeWallet, amountMinor: 700 },
      }),
      201,
    );
    const key = randomUUID();
    const complete = (completeKey = key) =>
      call(stack, 'POST', `/v1/payments/${payment.id}/complete`, {
        token: staff.token,
        key: completeKey,
      });
    const first = expectStatus(await complete(), 200, 'first complete');

    const replayed = await complete();
    // What the API does when the answer is a 503 (Temporal or the database gone before the
    // answer was stored): the key is released, and the client's retry runs the route again.
    await execute(stack.db, 'DELETE FROM idempotency_keys WHERE subject = $1 AND key = $2', [
      staff.sub,
      key,
    ]);
    const resent = await complete();
    const another = await complete(randomUUID());

    expect([replayed.status, replayed.body]).toEqual([200, first]);
    expect([resent.status, resent.body.status, resent.body.transferId]).toEqual([
      200,
      'completed',
      `payment-${payment.id}`,
    ]);
    expect(resent.body.completedAt).toBe(first.completedAt);
    expect([another.status, another.body.code]).toEqual([409, 'already_completed']);
    expect(
      await countRows(stack, `SELECT count(*) AS n FROM ledger_transfers WHERE id = $1`, [
        `payment-${payment.id}`,
      ]),
    ).toBe(1);
    expect([await balanceOf(stack, payerWallet), await balanceOf(stack, payeeWallet)]).toEqual([
      300, 700,
    ]);
    await expectLedgerConsistent(stack);
  });
});
