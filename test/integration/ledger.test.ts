import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { actor, call, expectStatus, useStack, type Actor, type TestStack } from '../helpers/stack';
import {
  accountOf,
  balanceOf,
  countRows,
  expectLedgerConsistent,
  openWallet,
} from '../helpers/factories';

let stack: TestStack;
let staff: Actor;

beforeAll(async () => {
  stack = await useStack();
  staff = await actor('staff');
});

/** walletPair opens a funded wallet for a fresh customer and an empty one for another. */
async function walletPair(
  fundedMinor: number,
): Promise<{ owner: Actor; from: string; to: string }> {
  const owner = await actor('customer');
  const from = await openWallet(stack, staff, owner, fundedMinor);
  const to = await openWallet(stack, staff, await actor('customer'), 0);
  return { owner, from, to };
}

const statusCounts = (results: { status: number }[]) =>
  results.reduce<Record<number, number>>(
    (acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }),
    {},
  );

describe('the SPEC §5 reference races', () => {
  it('when 10 consumes of 800 race on a 1000 retainer, then exactly one 200, nine 409, balance 200', async () => {
    const retainer = expectStatus(
      await call(stack, 'POST', '/v1/retainers', {
        token: staff.token,
        body: { clientId: randomUUID(), initialAmountMinor: 1_000, currency: 'EUR' },
      }),
      201,
    );
    expect(retainer.balanceMinor).toBe(1_000);

    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        call(stack, 'POST', `/v1/retainers/${retainer.id}/consume`, {
          token: staff.token,
          body: { amountMinor: 800, description: `work ${i}` },
        }),
      ),
    );

    expect(statusCounts(results)).toEqual({ 200: 1, 409: 9 });
    expect(
      results.filter((r) => r.status === 409).every((r) => r.body.code === 'insufficient_funds'),
    ).toBe(true);
    expect(results.find((r) => r.status === 200)!.body.balanceMinor).toBe(200);
    expect(await balanceOf(stack, retainer.id)).toBe(200);
    await expectLedgerConsistent(stack);
  });

  it('when 10 transfers of 800 race from a 1000 account, then one 201 and balances 200 / 800', async () => {
    const [owner, other] = [await actor('customer'), await actor('customer')];
    const from = await openWallet(stack, staff, owner, 1_000);
    const to = await openWallet(stack, staff, other, 0);

    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        call(stack, 'POST', '/v1/transfers', {
          token: owner.token,
          body: { fromAccountId: from, toAccountId: to, amountMinor: 800 },
        }),
      ),
    );

    expect(statusCounts(results)).toEqual({ 201: 1, 409: 9 });
    expect(results.find((r) => r.status === 201)!.body).toMatchObject({
      status: 'posted',
      amountMinor: 800,
      workflowId: expect.stringMatching(/^transfer-/),
    });
    expect([await balanceOf(stack, from), await balanceOf(stack, to)]).toEqual([200, 800]);
    await expectLedgerConsistent(stack);
  });

  it('when 40 transfers cross in both directions between two accounts, then no deadlock and all are posted', async () => {
    const [a, b] = [await actor('customer'), await actor('customer')];
    const accountA = await openWallet(stack, staff, a, 10_000);
    const accountB = await openWallet(stack, staff, b, 10_000);

    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? call(stack, 'POST', '/v1/transfers', {
              token: a.token,
              body: { fromAccountId: accountA, toAccountId: accountB, amountMinor: 10 + i },
            })
          : call(stack, 'POST', '/v1/transfers', {
              token: b.token,
              body: { fromAccountId: accountB, toAccountId: accountA, amountMinor: 10 + i },
            }),
      ),
    );

    expect(statusCounts(results)).toEqual({ 201: 40 });
    const movedAtoB = Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0 ? 10 + i : -(10 + i),
    ).reduce((s, x) => s + x, 0);
    expect([await balanceOf(stack, accountA), await balanceOf(stack, accountB)]).toEqual([
      10_000 - movedAtoB,
      10_000 + movedAtoB,
    ]);
    expect(
      await countRows(
        stack,
        `SELECT count(*) AS n FROM ledger_transfers WHERE kind = 'transfer' AND $1 IN (debit_account_id, credit_account_id)`,
        [accountA],
      ),
    ).toBe(40);
    await expectLedgerConsistent(stack);
  });
});

describe('transfers', () => {
  it('when a transfer is refused, then the SPEC code and nothing moves', async () => {
    const [owner, stranger] = [await actor('customer'), await actor('customer')];
    const eur = await openWallet(stack, staff, owner, 1_000);
    const usd = await openWallet(stack, staff, owner, 1_000, 'USD');
    const strangers = await openWallet(stack, staff, stranger, 1_000);

    const transfer = (fromAccountId: string, toAccountId: string, amountMinor: number) =>
      call(stack, 'POST', '/v1/transfers', {
        token: owner.token,
        body: { fromAccountId, toAccountId, amountMinor },
      });

    const mismatch = await transfer(eur, usd, 1);
    const same = await transfer(eur, eur, 1);
    const notMine = await transfer(strangers, eur, 1);
    const tooMuch = await transfer(eur, strangers, 1_001);
    const fractional = await transfer(eur, strangers, 1.5);

    expect([mismatch.status, mismatch.body.code]).toEqual([422, 'currency_mismatch']);
    expect([same.status, same.body.code]).toEqual([422, 'same_account']);
    expect([notMine.status, notMine.body.code]).toEqual([404, 'not_found']);
    expect([tooMuch.status, tooMuch.body.code]).toEqual([409, 'insufficient_funds']);
    expect([fractional.status, fractional.body.code]).toEqual([422, 'validation_failed']);
    expect([
      await balanceOf(stack, eur),
      await balanceOf(stack, usd),
      await balanceOf(stack, strangers),
    ]).toEqual([1_000, 1_000, 1_000]);
  });

  it('when the same Idempotency-Key is sent 5 times at once, then one transfer is posted', async () => {
    const { owner, from, to } = await walletPair(1_000);
    const key = randomUUID();

    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        call(stack, 'POST', '/v1/transfers', {
          token: owner.token,
          key,
          body: { fromAccountId: from, toAccountId: to, amountMinor: 300 },
        }),
      ),
    );

    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(await balanceOf(stack, from)).toBe(700);
  });

  it('when parties read a transfer and its entries, then they page with a cursor; strangers get 404', async () => {
    const { owner, from, to } = await walletPair(1_000);
    for (const amountMinor of [1, 2, 3]) {
      expectStatus(
        await call(stack, 'POST', '/v1/transfers', {
          token: owner.token,
          body: { fromAccountId: from, toAccountId: to, amountMinor },
        }),
        201,
      );
    }

    const page1 = expectStatus(
      await call(stack, 'GET', `/v1/accounts/${from}/entries?limit=2`, { token: owner.token }),
      200,
    );
    const page2 = expectStatus(
      await call(stack, 'GET', `/v1/accounts/${from}/entries?limit=2&cursor=${page1.nextCursor}`, {
        token: owner.token,
      }),
      200,
    );

    expect(
      [...page1.items, ...page2.items].map((e: { amountMinor: number }) => e.amountMinor),
    ).toEqual([-3, -2, -1, 1_000]);
    expect(page2.items.at(-1).balanceAfterMinor).toBe(1_000);
    const transferId = page1.items[0].transferId;
    expect(
      (await call(stack, 'GET', `/v1/transfers/${transferId}`, { token: owner.token })).status,
    ).toBe(200);
    expect(
      (await call(stack, 'GET', `/v1/transfers/${transferId}`, { token: staff.token })).status,
    ).toBe(200);
    expect(
      (
        await call(stack, 'GET', `/v1/transfers/${transferId}`, {
          token: (await actor('customer')).token,
        })
      ).status,
    ).toBe(404);
    expect(
      (await call(stack, 'GET', `/v1/accounts/${from}`, { token: (await actor('customer')).token }))
        .status,
    ).toBe(404);
  });
});

describe('holds (two-phase transfers)', () => {
  it('when a hold times out after 2 s, then availableMinor is restored and the hold is voided once', async () => {
    const { owner, from, to } = await walletPair(1_000);

    const hold = expectStatus(
      await call(stack, 'POST', '/v1/transfers', {
        token: owner.token,
        body: { fromAccountId: from, toAccountId: to, amountMinor: 600, hold: { timeout: '2s' } },
      }),
      201,
    );
    expect(hold.status).toBe('pending');
    expect(await accountOf(stack, owner, from)).toMatchObject({
      balanceMinor: 1_000,
      availableMinor: 400,
    });
    const blocked = await call(stack, 'POST', '/v1/transfers', {
      token: owner.token,
      body: { fromAccountId: from, toAccountId: to, amountMinor: 500 },
    });
    expect(blocked.body.code).toBe('insufficient_funds');

    let status = 'pending';
    for (let i = 0; i < 50 && status === 'pending'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      status = expectStatus(
        await call(stack, 'GET', `/v1/transfers/${hold.id}`, { token: owner.token }),
        200,
      ).status;
    }

    expect(status).toBe('voided');
    expect(await accountOf(stack, owner, from)).toMatchObject({
      balanceMinor: 1_000,
      availableMinor: 1_000,
    });
    const late = await call(stack, 'POST', `/v1/transfers/${hold.id}/post`, { token: owner.token });
    expect([late.status, late.body.code]).toEqual([409, 'already_resolved']);
    await expectLedgerConsistent(stack);
  });

  it('when a hold is posted for less, then only that moves, and any second resolution gets 409', async () => {
    const { owner, from, to } = await walletPair(1_000);
    const hold = expectStatus(
      await call(stack, 'POST', '/v1/transfers', {
        token: owner.token,
        body: { fromAccountId: from, toAccountId: to, amountMinor: 700, hold: { timeout: '10m' } },
      }),
      201,
    );

    const tooMuch = await call(stack, 'POST', `/v1/transfers/${hold.id}/post`, {
      token: owner.token,
      body: { amountMinor: 701 },
    });
    const results = await Promise.all([
      call(stack, 'POST', `/v1/transfers/${hold.id}/post`, {
        token: owner.token,
        body: { amountMinor: 450 },
      }),
      call(stack, 'POST', `/v1/transfers/${hold.id}/post`, {
        token: owner.token,
        body: { amountMinor: 450 },
      }),
      call(stack, 'POST', `/v1/transfers/${hold.id}/void`, { token: owner.token }),
    ]);

    expect(tooMuch.status).toBe(422);
    expect(statusCounts(results)).toEqual({ 200: 1, 409: 2 });
    const winner = results.find((r) => r.status === 200)!.body;
    const [fromAfter, toAfter] = [await balanceOf(stack, from), await balanceOf(stack, to)];
    if (winner.status === 'posted') {
      expect(winner.amountMinor).toBe(450);
      expect([fromAfter, toAfter]).toEqual([550, 450]);
    } else {
      expect(winner.status).toBe('voided');
      expect([fromAfter, toAfter]).toEqual([1_000, 0]);
    }
    expect(await accountOf(stack, owner, from)).toMatchObject({ availableMinor: fromAfter });
    await expectLedgerConsistent(stack);
  });

  it('when a hold is voided, then the money is available again and a post is refused', async () => {
    const { owner, from, to } = await walletPair(500);
    const hold = expectStatus(
      await call(stack, 'POST', '/v1/transfers', {
        token: owner.token,
        body: { fromAccountId: from, toAccountId: to, amountMinor: 500, hold: { timeout: '10m' } },
      }),
      201,
    );

    const voided = expectStatus(
      await call(stack, 'POST', `/v1/transfers/${hold.id}/void`, { token: staff.token }),
      200,
    );
    const post = await call(stack, 'POST', `/v1/transfers/${hold.id}/post`, { token: owner.token });

    expect(voided.status).toBe('voided');
    expect(post.status).toBe(409);
    expect(await accountOf(stack, owner, from)).toMatchObject({
      balanceMinor: 500,
      availableMinor: 500,
    });
  });
});
