import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../db/transaction';
import { balanceOf, countRows, expectLedgerConsistent, seedCatalog } from '../helpers/factories';
import { actor, call, expectStatus, useStack, type Actor, type TestStack } from '../helpers/stack';

/*
 * SPEC.md §1 "Number range" and the NUL rule (issue 17): a request whose amount, total or
 * resulting balance would leave ±(2^53 − 1) minor units is refused 422 amount_out_of_range and
 * writes nothing; text with U+0000 is refused 422 validation_failed, never a 500.
 */

let stack: TestStack;
let staff: Actor;

beforeAll(async () => {
  stack = await useStack();
  staff = await actor('staff');
});

/**
 * privateCurrency is an ISO-4217-shaped code no other test uses: the `external` account of a
 * currency is shared, and these tests drive it to the edge of the range.
 */
function privateCurrency(): string {
  const letter = () => String.fromCharCode(65 + Math.floor(Math.random() * 26));
  return `Q${letter()}${letter()}`;
}

/** openAccount opens an account as staff (a wallet unless `kind` says otherwise). */
async function openAccount(ownerId: string, currency: string): Promise<string> {
  const res = await call(stack, 'POST', '/v1/accounts', {
    token: staff.token,
    body: { ownerId, kind: 'wallet', currency },
  });
  return expectStatus<{ id: string }>(res, 201, 'open account').id;
}

/** deposit asks for a staff deposit of `amountMinor` into `accountId` and returns the answer. */
async function deposit(accountId: string, amountMinor: number) {
  return call(stack, 'POST', `/v1/accounts/${accountId}/deposits`, {
    token: staff.token,
    key: randomUUID(),
    body: { amountMinor },
  });
}

/** fillToNineQuadrillion deposits 9 × 10^15 into `accountId`, 10^15 at a time (the schema's max). */
async function fillToNineQuadrillion(accountId: string): Promise<void> {
  for (let i = 0; i < 9; i += 1) expectStatus(await deposit(accountId, 1e15), 201, `deposit ${i}`);
}

/** externalAccountOf is the `external` account of `currency`, read in SQL. */
async function externalAccountOf(currency: string): Promise<string> {
  const [row] = await query<{ id: string }>(
    stack.db,
    `SELECT id FROM accounts WHERE owner_id IS NULL AND kind = 'external' AND currency = $1`,
    [currency],
  );
  return row!.id;
}

/** expectOutOfRange asserts a 422 amount_out_of_range problem. */
function expectOutOfRange(res: { status: number; body: any; headers: Headers }): void {
  expect(res.status).toBe(422);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.body).toMatchObject({ code: 'amount_out_of_range', status: 422 });
}

describe('when an order total would leave ±(2^53 − 1) minor units', () => {
  it('then 10,000 × a product priced 10^12 → 422 amount_out_of_range, nothing reserved, the refusal audited', async () => {
    const buyer = await actor('customer');
    const { productIds } = await seedCatalog(stack, staff, {
      products: [{ stock: 10_000, priceMinor: 1e12 }],
    });
    const productId = productIds[0]!;

    const res = await call(stack, 'POST', '/v1/orders', {
      token: buyer.token,
      key: randomUUID(),
      body: { lines: [{ productId, quantity: 10_000 }] },
    });

    expectOutOfRange(res);
    const sql = (text: string) => countRows(stack, text, [buyer.sub]);
    expect(await sql('SELECT count(*) AS n FROM orders WHERE customer_id = $1')).toBe(0);
    expect(
      await countRows(
        stack,
        `SELECT count(*) AS n FROM stock_movements WHERE product_id = $1 AND reason = 'reserve'`,
        [productId],
      ),
    ).toBe(0);
    const [product] = await query<{ reserved: number }>(
      stack.db,
      'SELECT reserved FROM products WHERE id = $1',
      [productId],
    );
    expect(product!.reserved).toBe(0);
    expect(
      await sql(
        `SELECT count(*) AS n FROM order_failures WHERE customer_id = $1 AND code = 'amount_out_of_range'`,
      ),
    ).toBe(1);
    const read = await call(stack, 'GET', `/v1/products/${productId}`, { token: buyer.token });
    expect(read.status).toBe(200);
  });

  it('then two lines each inside the range whose sum is not → 422 amount_out_of_range', async () => {
    const buyer = await actor('customer');
    const { productIds } = await seedCatalog(stack, staff, {
      products: [
        { stock: 5_000, priceMinor: 1e12 },
        { stock: 5_000, priceMinor: 1e12 },
      ],
    });

    const res = await call(stack, 'POST', '/v1/orders', {
      token: buyer.token,
      body: { lines: productIds.map((productId) => ({ productId, quantity: 5_000 })) },
    });

    expectOutOfRange(res);
    expect(
      await countRows(stack, 'SELECT count(*) AS n FROM orders WHERE customer_id = $1', [
        buyer.sub,
      ]),
    ).toBe(0);
  });
});

describe('when a restock would pass the largest stock (STOCK_MAX, an INTEGER column)', () => {
  it('then 422 validation_failed naming quantity, never a 500, and the stock stays', async () => {
    const { productIds } = await seedCatalog(stack, staff, {
      products: [{ stock: 1_000_000_000 }],
    });
    const productId = productIds[0]!;

    const res = await call(stack, 'POST', `/v1/products/${productId}/restock`, {
      token: staff.token,
      key: randomUUID(),
      body: { quantity: 1_000_000_000 },
    });

    expect(res.status).toBe(422);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('quantity');
    const [product] = await query<{ stock_on_hand: number }>(
      stack.db,
      'SELECT stock_on_hand FROM products WHERE id = $1',
      [productId],
    );
    expect(product!.stock_on_hand).toBe(1_000_000_000);
  });
});

describe('when a posting would move a balance out of ±(2^53 − 1) minor units', () => {
  it('then the tenth deposit of 10^15 → 422, and neither the wallet nor the external account moves', async () => {
    const currency = privateCurrency();
    const wallet = await openAccount(randomUUID(), currency);
    await fillToNineQuadrillion(wallet);
    const external = await externalAccountOf(currency);

    const res = await deposit(wallet, 1e15);

    expectOutOfRange(res);
    expect(await balanceOf(stack, wallet)).toBe(9e15);
    expect(await balanceOf(stack, external)).toBe(-9e15);
    expect(
      await countRows(stack, 'SELECT count(*) AS n FROM ledger_entries WHERE account_id = $1', [
        wallet,
      ]),
    ).toBe(9);
    const read = await call(stack, 'GET', `/v1/accounts/${wallet}`, { token: staff.token });
    expect(read.body).toMatchObject({ balanceMinor: 9e15, availableMinor: 9e15 });

    // Another wallet's deposit would take the currency's external account past −(2^53 − 1).
    const other = await openAccount(randomUUID(), currency);
    expectOutOfRange(await deposit(other, 1e13));
    expect(await balanceOf(stack, other)).toBe(0);
    expect(await balanceOf(stack, external)).toBe(-9e15);

    // A retainer funded from that external account is refused too, and leaves no account.
    const clientId = randomUUID();
    const retainer = await call(stack, 'POST', '/v1/retainers', {
      token: staff.token,
      key: randomUUID(),
      body: { clientId, initialAmountMinor: 1e13, currency },
    });
    expectOutOfRange(retainer);
    expect(
      await countRows(stack, 'SELECT count(*) AS n FROM accounts WHERE owner_id = $1', [clientId]),
    ).toBe(0);
    await expectLedgerConsistent(stack);
  });

  it('then a transfer whose destination would pass 2^53 − 1 → 422, and both balances stay', async () => {
    const currency = privateCurrency();
    const wallet = await openAccount(randomUUID(), currency);
    await fillToNineQuadrillion(wallet);
    // A programme's funding account may go negative: a source that can pay any amount.
    const program = await call(stack, 'POST', '/v1/programs', {
      token: staff.token,
      body: { name: 'range programme', currency, allowanceMinor: 1_000, period: 'month' },
    });
    const source = expectStatus<{ fundingAccountId: string }>(
      program,
      201,
      'programme',
    ).fundingAccountId;

    const res = await call(stack, 'POST', '/v1/transfers', {
      token: staff.token,
      key: randomUUID(),
      body: { fromAccountId: source, toAccountId: wallet, amountMinor: 1e13 },
    });

    expectOutOfRange(res);
    expect(await balanceOf(stack, wallet)).toBe(9e15);
    expect(await balanceOf(stack, source)).toBe(0);
    expect(
      await countRows(
        stack,
        'SELECT count(*) AS n FROM ledger_transfers WHERE debit_account_id = $1',
        [source],
      ),
    ).toBe(0);

    // A hold of the same amount is refused when it is posted, and then still pending.
    const hold = await call(stack, 'POST', '/v1/transfers', {
      token: staff.token,
      key: randomUUID(),
      body: {
        fromAccountId: source,
        toAccountId: wallet,
        amountMinor: 1e13,
        hold: { timeout: '1h' },
      },
    });
    const held = expectStatus<{ id: string; status: string }>(hold, 201, 'hold');
    expect(held.status).toBe('pending');
    const post = await call(stack, 'POST', `/v1/transfers/${held.id}/post`, {
      token: staff.token,
      key: randomUUID(),
      body: {},
    });
    expectOutOfRange(post);
    expect(await balanceOf(stack, wallet)).toBe(9e15);
    await call(stack, 'POST', `/v1/transfers/${held.id}/void`, { token: staff.token, body: {} });
    await expectLedgerConsistent(stack);
  });

  it('then PostgreSQL refuses a balance past the range too (the CHECK behind the code)', async () => {
    const wallet = await openAccount(randomUUID(), privateCurrency());
    await expect(
      query(stack.db, 'UPDATE accounts SET balance_minor = $2 WHERE id = $1 RETURNING id', [
        wallet,
        '9007199254740992',
      ]),
    ).rejects.toMatchObject({ original: { code: '23514' } });
  });
});

describe('when text carries a NUL character (U+0000)', () => {
  it('then a product name with one → 422 validation_failed naming it, and no product', async () => {
    const seller = await call(stack, 'POST', '/v1/sellers', {
      token: staff.token,
      body: { name: `nul seller ${randomUUID()}`, kind: 'merchant' },
    });
    const sellerId = expectStatus<{ id: string }>(seller, 201, 'seller').id;
    const sku = `NUL-${randomUUID().slice(0, 8)}`;

    const res = await call(stack, 'POST', '/v1/products', {
      token: staff.token,
      body: { sellerId, sku, name: 'soap\u0000', priceMinor: 100, currency: 'EUR', stock: 1 },
    });

    expect(res.status).toBe(422);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('name');
    expect(await countRows(stack, 'SELECT count(*) AS n FROM products WHERE sku = $1', [sku])).toBe(
      0,
    );
  });

  it('then a refused order body with one → 422, and its order_failures row is written', async () => {
    const buyer = await actor('customer');
    const { productIds } = await seedCatalog(stack, staff, { products: [{ stock: 5 }] });
    const rawBody = JSON.stringify({
      lines: [{ productId: productIds[0], quantity: 1 }],
      'note\u0000': 'gift\u0000wrap',
    });

    const res = await call(stack, 'POST', '/v1/orders', { token: buyer.token, rawBody });

    expect(res.status).toBe(422);
    expect(res.body.code).toBe('validation_failed');
    const [row] = await query<{ cart: unknown }>(
      stack.db,
      'SELECT cart FROM order_failures WHERE customer_id = $1',
      [buyer.sub],
    );
    expect(row).toBeDefined();
    expect(JSON.stringify(row!.cart)).not.toContain('\\u0000');
  });

  it('then a NUL in a search, a transfer description or a payment-request reason → 422, never 500', async () => {
    const buyer = await actor('customer');
    const search = await call(stack, 'GET', '/v1/products?q=%00', { token: buyer.token });
    expect(search.status).toBe(422);
    const transfer = await call(stack, 'POST', '/v1/transfers', {
      token: staff.token,
      body: {
        fromAccountId: randomUUID(),
        toAccountId: randomUUID(),
        amountMinor: 1,
        description: 'rent\u0000',
      },
    });
    expect(transfer.status).toBe(422);
    expect(transfer.body.errors.map((e: { path: string }) => e.path)).toContain('description');
    const request = await call(stack, 'POST', '/v1/payment-requests', {
      token: staff.token,
      body: {
        fromAccountId: randomUUID(),
        toAccountId: randomUUID(),
        amountMinor: 1,
        reason: 'a\u0000b',
      },
    });
    expect(request.status).toBe(422);
  });
});
