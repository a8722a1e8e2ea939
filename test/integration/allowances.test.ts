import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../db/transaction';
import { actor, call, expectStatus, useStack, type Actor, type TestStack } from '../helpers/stack';
import {
  balanceOf,
  countRows,
  expectLedgerConsistent,
  seedCatalog,
  stockOf,
} from '../helpers/factories';

/*
 * Allowance programmes on the real stack (SPEC.md §8): programmes, pauses, participants and
 * vouchers with their bad input (nothing written) and roles; the balance under a pause and a
 * voucher; allowance orders refused with the AVAILABLE balance, paid from the allowance
 * (one debit, one ledger transfer funding → revenue) and restored exactly once on cancel.
 */

const HOUR_MS = 3_600_000;
const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString();

let stack: TestStack;
let staff: Actor;

beforeAll(async () => {
  // The order gate throttles, backs off and refuses duplicates: keep clear of it here.
  stack = await useStack({
    orderSubmissionsPerMinute: 1000,
    orderBackoffBaseMs: 1,
    duplicateWindowMs: 1,
  });
  staff = await actor('staff');
});

/** ProgramSeed is a programme body; missing fields get a weekly 1 000 EUR allowance. */
type ProgramSeed = Partial<{
  name: string;
  currency: string;
  allowanceMinor: number;
  period: 'week' | 'month';
  categoryLimits: Record<string, number>;
}>;

/** createProgram creates a programme as staff and returns its view. */
async function createProgram(seed: ProgramSeed = {}) {
  const body = {
    name: `programme ${randomUUID()}`,
    currency: 'EUR',
    allowanceMinor: 1_000,
    period: 'week',
    ...seed,
  };
  return expectStatus(
    await call(stack, 'POST', '/v1/programs', { token: staff.token, body }),
    201,
    'create programme',
  );
}

/** post sends a staff POST with `body` to `path`. */
function post(path: string, body: unknown, who: Actor = staff) {
  return call(stack, 'POST', path, { token: who.token, body });
}

/** runningPause adds a pause of `multiplier` running from an hour ago to an hour from now. */
async function runningPause(programId: string, multiplier: number) {
  const body = {
    name: 'winter break',
    startsAt: isoIn(-HOUR_MS),
    endsAt: isoIn(HOUR_MS),
    multiplier,
  };
  return expectStatus(await post(`/v1/programs/${programId}/pauses`, body), 201, 'pause');
}

/** participant makes a fresh customer a participant of `programId`. */
async function participant(programId: string): Promise<Actor> {
  const customer = await actor('customer');
  const body = { customerId: customer.sub };
  expectStatus(await post(`/v1/programs/${programId}/participants`, body), 201, 'join');
  return customer;
}

/** balance reads a participant's balance as `who` (the customer themself by default). */
async function balance(customer: Actor, who: Actor = customer) {
  return call(stack, 'GET', `/v1/participants/${customer.sub}/balance`, { token: who.token });
}

/** products seeds one fresh product per seed (stock 10) and returns their IDs. */
async function products(seeds: { priceMinor: number; category?: string }[]) {
  const { productIds } = await seedCatalog(stack, staff, {
    products: seeds.map((s) => ({ stock: 10, ...s })),
  });
  return productIds;
}

/** placeAllowance places an allowance order of one unit of each product, with its own key. */
function placeAllowance(customer: Actor, productIds: string[]) {
  return call(stack, 'POST', '/v1/orders', {
    token: customer.token,
    key: randomUUID(),
    body: {
      lines: productIds.map((productId) => ({ productId, quantity: 1 })),
      paymentMethod: 'allowance',
    },
  });
}

/** postings counts an order's allowance postings of `kind`. */
function postings(orderId: string, kind: 'debit' | 'restore') {
  return countRows(
    stack,
    'SELECT count(*) AS n FROM allowance_postings WHERE order_id = $1 AND kind = $2',
    [orderId, kind],
  );
}

/** expectValidationFailed checks a 422 validation_failed problem naming `path`. */
function expectValidationFailed(result: { status: number; body: any }, path: string) {
  expect(result.status, JSON.stringify(result.body)).toBe(422);
  expect(result.body.code).toBe('validation_failed');
  expect(result.body.errors.map((e: { path: string }) => e.path)).toContain(path);
}

describe('programmes', () => {
  it('when staff create a programme, then 201 with its funding account: external, owned by the programme, allowed negative', async () => {
    const program = await createProgram({ categoryLimits: { hygiene: 300 }, period: 'month' });

    expect(program).toMatchObject({
      currency: 'EUR',
      allowanceMinor: 1_000,
      period: 'month',
      categoryLimits: { hygiene: 300 },
      fundingAccountId: expect.any(String),
    });
    expect(
      await countRows(
        stack,
        `SELECT count(*) AS n FROM accounts WHERE id = $1 AND owner_id = $2 AND kind = 'external'
           AND allow_negative AND currency = 'EUR' AND balance_minor = 0`,
        [program.fundingAccountId, program.id],
      ),
    ).toBe(1);
    const read = expectStatus(
      await call(stack, 'GET', `/v1/programs/${program.id}`, { token: staff.token }),
      200,
    );
    expect(read).toEqual({ ...program, pauses: [] });
  });

  it('when the body is bad, then 422 validation_failed naming the field and no programme or account is written', async () => {
    const marker = `bad ${randomUUID()}`;
    const valid = { name: marker, currency: 'EUR', allowanceMinor: 1_000, period: 'week' };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...valid, allowanceMinor: 10.5 }, 'allowanceMinor'],
      [{ ...valid, allowanceMinor: 0 }, 'allowanceMinor'],
      [{ ...valid, allowanceMinor: '1000' }, 'allowanceMinor'],
      [{ ...valid, period: 'day' }, 'period'],
      [{ ...valid, currency: 'eur' }, 'currency'],
      [{ ...valid, name: '  ' }, 'name'],
      [{ ...valid, categoryLimits: { hygiene: 0 } }, 'categoryLimits.hygiene'],
      [{ ...valid, categoryLimits: { hygiene: 2.5 } }, 'categoryLimits.hygiene'],
      [{ ...valid, categoryLimits: { ' hygiene': 100 } }, 'categoryLimits. hygiene'],
      [{ ...valid, sponsor: 'acme' }, ''],
    ];

    for (const [body, path] of cases)
      expectValidationFailed(await post('/v1/programs', body), path);
    expect(
      await countRows(stack, 'SELECT count(*) AS n FROM programs WHERE name = $1', [marker]),
    ).toBe(0);
  });

  it('when a customer calls the staff routes, then 403 and nothing is written', async () => {
    const customer = await actor('customer');
    const program = await createProgram();
    const marker = `customer ${randomUUID()}`;
    const pause = { name: marker, startsAt: isoIn(0), endsAt: isoIn(HOUR_MS), multiplier: 2 };

    const attempts = [
      await post(
        '/v1/programs',
        { name: marker, currency: 'EUR', allowanceMinor: 1, period: 'week' },
        customer,
      ),
      await call(stack, 'GET', `/v1/programs/${program.id}`, { token: customer.token }),
      await post(`/v1/programs/${program.id}/pauses`, pause, customer),
      await post(`/v1/programs/${program.id}/participants`, { customerId: customer.sub }, customer),
      await post(
        `/v1/participants/${customer.sub}/vouchers`,
        { multiplier: 2, expiresAt: isoIn(HOUR_MS) },
        customer,
      ),
    ];

    expect(attempts.map((a) => [a.status, a.body.code])).toEqual(Array(5).fill([403, 'forbidden']));
    expect(
      await countRows(
        stack,
        `SELECT (SELECT count(*) FROM programs WHERE name = $1) + (SELECT count(*) FROM program_pauses WHERE name = $1)
           + (SELECT count(*) FROM program_participants WHERE customer_id = $2) AS n`,
        [marker, customer.sub],
      ),
    ).toBe(0);
  });
});

describe('pauses', () => {
  it('when a pause overlaps another of the programme, then 409 pause_overlap naming it; an adjacent one is fine', async () => {
    const program = await createProgram();
    const day = 24 * HOUR_MS;
    const first = { name: 'spring', startsAt: isoIn(day), endsAt: isoIn(3 * day), multiplier: 2 };
    const created = expectStatus(await post(`/v1/programs/${program.id}/pauses`, first), 201);

    const overlapping = await post(`/v1/programs/${program.id}/pauses`, {
      name: 'overlap',
      startsAt: isoIn(2 * day),
      endsAt: isoIn(4 * day),
      multiplier: 1.5,
    });
    const adjacent = await post(`/v1/programs/${program.id}/pauses`, {
      name: 'after',
      startsAt: created.endsAt,
      endsAt: isoIn(5 * day),
      multiplier: 1.25,
    });

    expect(created).toMatchObject({ programId: program.id, name: 'spring', multiplier: 2 });
    expect(overlapping.status).toBe(409);
    expect(overlapping.body).toMatchObject({ code: 'pause_overlap', pause: { id: created.id } });
    expect(adjacent.status).toBe(201);
    const read = expectStatus(
      await call(stack, 'GET', `/v1/programs/${program.id}`, { token: staff.token }),
      200,
    );
    expect(read.pauses.map((p: { name: string }) => p.name)).toEqual(['spring', 'after']);
  });

  it('when the pause is bad, then 422 (or 404 for an unknown programme) and no pause is written', async () => {
    const program = await createProgram();
    const valid = {
      name: 'p',
      startsAt: isoIn(HOUR_MS),
      endsAt: isoIn(2 * HOUR_MS),
      multiplier: 2,
    };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...valid, endsAt: valid.startsAt }, 'endsAt'],
      [{ ...valid, endsAt: isoIn(0) }, 'endsAt'],
      [{ ...valid, multiplier: 0 }, 'multiplier'],
      [{ ...valid, multiplier: -1 }, 'multiplier'],
      [{ ...valid, multiplier: 100.5 }, 'multiplier'],
      [{ ...valid, multiplier: 1.0005 }, 'multiplier'],
      [{ ...valid, multiplier: '2' }, 'multiplier'],
      [{ ...valid, startsAt: 'tomorrow' }, 'startsAt'],
      [{ ...valid, name: '' }, 'name'],
    ];

    for (const [body, path] of cases)
      expectValidationFailed(await post(`/v1/programs/${program.id}/pauses`, body), path);
    const unknown = await post(`/v1/programs/${randomUUID()}/pauses`, valid);
    expect([unknown.status, unknown.body.code]).toEqual([404, 'not_found']);
    expect(
      await countRows(stack, 'SELECT count(*) AS n FROM program_pauses WHERE program_id = $1', [
        program.id,
      ]),
    ).toBe(0);
  });
});

describe('participants and vouchers', () => {
  it('when a customer joins twice, or joins another programme, then 409 already_participant with the programme they are in', async () => {
    const [first, second] = [await createProgram(), await createProgram()];
    const customer = await participant(first.id);

    const again = await post(`/v1/programs/${first.id}/participants`, { customerId: customer.sub });
    const other = await post(`/v1/programs/${second.id}/participants`, {
      customerId: customer.sub,
    });
    const unknown = await post(`/v1/programs/${randomUUID()}/participants`, {
      customerId: randomUUID(),
    });
    const bad = await post(`/v1/programs/${first.id}/participants`, { customerId: 'me' });

    for (const refused of [again, other]) {
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ code: 'already_participant', programId: first.id });
    }
    expect([unknown.status, unknown.body.code]).toEqual([404, 'not_found']);
    expectValidationFailed(bad, 'customerId');
    expect(
      await countRows(
        stack,
        'SELECT count(*) AS n FROM program_participants WHERE customer_id = $1 AND program_id = $2',
        [customer.sub, first.id],
      ),
    ).toBe(1);
  });

  it('when a voucher is bad or its customer is in no programme, then 422 / 404 and no voucher is written', async () => {
    const program = await createProgram();
    const customer = await participant(program.id);
    const outsider = await actor('customer');
    const path = `/v1/participants/${customer.sub}/vouchers`;

    expectValidationFailed(
      await post(path, { multiplier: 2, expiresAt: isoIn(-1_000) }),
      'expiresAt',
    );
    expectValidationFailed(
      await post(path, { multiplier: 0, expiresAt: isoIn(HOUR_MS) }),
      'multiplier',
    );
    expectValidationFailed(await post(path, { multiplier: 2 }), 'expiresAt');
    const stranger = await post(`/v1/participants/${outsider.sub}/vouchers`, {
      multiplier: 2,
      expiresAt: isoIn(HOUR_MS),
    });

    expect([stranger.status, stranger.body.code]).toEqual([404, 'not_found']);
    expect(
      await countRows(
        stack,
        'SELECT count(*) AS n FROM participant_vouchers WHERE customer_id = ANY($1::uuid[])',
        [[customer.sub, outsider.sub]],
      ),
    ).toBe(0);
    const voucher = expectStatus(
      await post(path, { multiplier: 1.25, expiresAt: isoIn(HOUR_MS) }),
      201,
    );
    expect(voucher).toMatchObject({
      customerId: customer.sub,
      programId: program.id,
      multiplier: 1.25,
    });
  });
});

describe('the balance', () => {
  it('under a 2× pause and a 1.5× voucher, then available = ⌊allowance × 3⌋ and full stays raw; others get 404', async () => {
    const program = await createProgram({
      allowanceMinor: 1_001,
      categoryLimits: { hygiene: 333 },
    });
    await runningPause(program.id, 2);
    const customer = await participant(program.id);
    const voucherBody = { multiplier: 1.5, expiresAt: isoIn(HOUR_MS) };
    expectStatus(await post(`/v1/participants/${customer.sub}/vouchers`, voucherBody), 201);
    const [other, outsider] = [await actor('customer'), await actor('customer')];

    const own = expectStatus(await balance(customer), 200);
    const byStaff = expectStatus(await balance(customer, staff), 200);
    const byOther = await balance(customer, other);
    const ofOutsider = await balance(outsider);

    expect(own).toMatchObject({
      customerId: customer.sub,
      programId: program.id,
      currency: 'EUR',
      allowanceMinor: 1_001,
      spentMinor: 0,
      fullBalanceMinor: 1_001,
      availableBalanceMinor: 3_003,
      multiplier: 3,
      pause: { name: 'winter break', multiplier: 2 },
      vouchers: { multiplier: 1.5, count: 1 },
      categories: [
        { category: 'hygiene', limitMinor: 333, fullBalanceMinor: 333, availableBalanceMinor: 999 },
      ],
    });
    expect(byStaff).toEqual(own);
    expect([byOther.status, byOther.body.code]).toEqual([404, 'not_found']);
    expect([ofOutsider.status, ofOutsider.body.code]).toEqual([404, 'not_found']);
  });
});

describe('allowance orders', () => {
  it('when an order exceeds the available balance under a 2× pause and a 1.5× voucher, then 409 insufficient_allowance states the AVAILABLE balance, the audit row records it, and nothing else is written', async () => {
    const program = await createProgram({ allowanceMinor: 1_000 });
    await runningPause(program.id, 2);
    const customer = await participant(program.id);
    const voucherBody = { multiplier: 1.5, expiresAt: isoIn(HOUR_MS) };
    expectStatus(await post(`/v1/participants/${customer.sub}/vouchers`, voucherBody), 201);
    const [productId] = await products([{ priceMinor: 3_001 }]);
    const shown = expectStatus(await balance(customer), 200);

    const refused = await placeAllowance(customer, [productId!]);

    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('insufficient_allowance');
    expect(shown).toMatchObject({ availableBalanceMinor: 3_000, fullBalanceMinor: 1_000 });
    expect(refused.body.availableBalanceMinor).toBe(shown.availableBalanceMinor);
    expect(refused.body.availableBalanceMinor).not.toBe(shown.fullBalanceMinor);
    expect(refused.body).toMatchObject({ requestedMinor: 3_001, multiplier: 3 });
    expect(refused.body).not.toHaveProperty('fullBalanceMinor');
    expect(refused.body).not.toHaveProperty('balance');
    expect(JSON.stringify(refused.body)).not.toMatch(/fullBalanceMinor|"spentMinor"/);
    expect(refused.body.detail).toMatch(/\b3000\b/);
    const [audit] = await query<Record<string, any>>(
      stack.db,
      'SELECT * FROM order_failures WHERE customer_id = $1',
      [customer.sub],
    );
    expect(audit).toMatchObject({
      code: 'insufficient_allowance',
      payment_method: 'allowance',
      full_balance_minor: '1000',
      available_balance_minor: '3000',
      pause_active: true,
      pause_name: 'winter break',
    });
    expect([Number(audit!.pause_multiplier), Number(audit!.voucher_multiplier)]).toEqual([2, 1.5]);
    expect(audit!.voucher_count).toBe(1);
    expect(
      await countRows(stack, 'SELECT count(*) AS n FROM orders WHERE customer_id = $1', [
        customer.sub,
      ]),
    ).toBe(0);
    expect(await stockOf(stack, productId!)).toEqual({ stockOnHand: 10, reserved: 0 });
  });

  it('when a category subtotal exceeds its sub-limit though the total fits, then 409 category_limit_exceeded naming it', async () => {
    const program = await createProgram({
      allowanceMinor: 1_000,
      categoryLimits: { hygiene: 300 },
    });
    const customer = await participant(program.id);
    const ids = await products([
      { priceMinor: 200, category: 'hygiene' },
      { priceMinor: 101, category: 'hygiene' },
      { priceMinor: 400, category: 'food' },
    ]);

    const refused = await placeAllowance(customer, ids);

    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      code: 'category_limit_exceeded',
      category: { category: 'hygiene', requestedMinor: 301, availableBalanceMinor: 300 },
      requestedMinor: 701,
      availableBalanceMinor: 1_000,
    });
    expect(JSON.stringify(refused.body)).not.toMatch(/fullBalanceMinor|"balance"|"spentMinor"/);
    expect(
      await countRows(stack, 'SELECT count(*) AS n FROM orders WHERE customer_id = $1', [
        customer.sub,
      ]),
    ).toBe(0);
  });

  it('when a customer in no programme orders on allowance, then 422 not_a_participant', async () => {
    const outsider = await actor('customer');
    const [productId] = await products([{ priceMinor: 10 }]);

    const refused = await placeAllowance(outsider, [productId!]);

    expect([refused.status, refused.body.code]).toEqual([422, 'not_a_participant']);
  });

  it('when an order within balance is paid and then cancelled twice, then one debit, one funding → revenue transfer, exactly one restore', async () => {
    const program = await createProgram({
      allowanceMinor: 1_000,
      categoryLimits: { hygiene: 300 },
    });
    const customer = await participant(program.id);
    const ids = await products([{ priceMinor: 250, category: 'hygiene' }, { priceMinor: 350 }]);
    const order = expectStatus(await placeAllowance(customer, ids), 201, 'place');
    expect(order).toMatchObject({
      status: 'pending_payment',
      paymentMethod: 'allowance',
      totalMinor: 600,
    });
    expect(await postings(order.id, 'debit')).toBe(0);

    const paid = expectStatus(await post(`/v1/orders/${order.id}/pay`, {}, customer), 200, 'pay');

    expect(paid).toMatchObject({ status: 'paid', paymentAccountId: program.fundingAccountId });
    const afterPay = expectStatus(await balance(customer), 200);
    expect(afterPay).toMatchObject({
      spentMinor: 600,
      fullBalanceMinor: 400,
      availableBalanceMinor: 400,
    });
    expect(afterPay.categories[0]).toMatchObject({
      category: 'hygiene',
      spentMinor: 250,
      availableBalanceMinor: 50,
    });
    expect(await postings(order.id, 'debit')).toBe(1);
    expect(
      await countRows(
        stack,
        `SELECT count(*) AS n FROM allowance_postings WHERE id = $1 AND amount_minor = 600
           AND categories = '{"hygiene": 250}'::jsonb`,
        [`order-${order.id}-allowance`],
      ),
    ).toBe(1);
    expect(
      await countRows(
        stack,
        `SELECT count(*) AS n FROM ledger_transfers t JOIN accounts r ON r.id = t.credit_account_id
         WHERE t.id = $1 AND t.kind = 'order_payment' AND t.debit_account_id = $2 AND t.amount_minor = 600
           AND r.kind = 'revenue'`,
        [`order-${order.id}-payment`, program.fundingAccountId],
      ),
    ).toBe(1);
    expect(await balanceOf(stack, program.fundingAccountId)).toBe(-600);

    const cancelled = await post(`/v1/orders/${order.id}/cancel`, {}, customer);
    const again = await post(`/v1/orders/${order.id}/cancel`, {}, customer);

    expect([cancelled.status, cancelled.body.status]).toEqual([200, 'cancelled']);
    expect([again.status, again.body.code]).toEqual([409, 'invalid_transition']);
    expect(await postings(order.id, 'restore')).toBe(1);
    expect(await postings(order.id, 'debit')).toBe(1);
    const restored = expectStatus(await balance(customer), 200);
    expect(restored).toMatchObject({
      spentMinor: 0,
      fullBalanceMinor: 1_000,
      availableBalanceMinor: 1_000,
    });
    expect(restored.categories[0]).toMatchObject({ spentMinor: 0, availableBalanceMinor: 300 });
    expect(await balanceOf(stack, program.fundingAccountId)).toBe(0);
    await expectLedgerConsistent(stack);
  });

  it('when a second order fit at placement but the first one spent the allowance, then its payment is 409 insufficient_allowance and nothing moves', async () => {
    const program = await createProgram({ allowanceMinor: 1_000 });
    const customer = await participant(program.id);
    const [a, b] = await products([{ priceMinor: 700 }, { priceMinor: 600 }]);
    const first = expectStatus(await placeAllowance(customer, [a!]), 201, 'first');
    const second = expectStatus(await placeAllowance(customer, [b!]), 201, 'second');
    expectStatus(await post(`/v1/orders/${first.id}/pay`, {}, customer), 200, 'pay first');

    const refused = await post(`/v1/orders/${second.id}/pay`, {}, customer);

    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      code: 'insufficient_allowance',
      requestedMinor: 600,
      availableBalanceMinor: 300,
      multiplier: 1,
    });
    expect(JSON.stringify(refused.body)).not.toMatch(/fullBalanceMinor|"balance"|"spentMinor"/);
    expect(await postings(second.id, 'debit')).toBe(0);
    const stillPending = expectStatus(
      await call(stack, 'GET', `/v1/orders/${second.id}`, { token: customer.token }),
      200,
    );
    expect(stillPending.status).toBe('pending_payment');
    expect(await balanceOf(stack, program.fundingAccountId)).toBe(-700);
    await expectLedgerConsistent(stack);
  });

  it('when five orders that each fit are paid at once but only three fit together, then three 200, two 409 insufficient_allowance, three debits', async () => {
    const program = await createProgram({ allowanceMinor: 1_000 });
    const customer = await participant(program.id);
    const ids = await products(Array.from({ length: 5 }, () => ({ priceMinor: 300 })));
    const orders = [];
    for (const productId of ids) {
      orders.push(expectStatus(await placeAllowance(customer, [productId]), 201, 'place'));
    }

    const results = await Promise.all(
      orders.map((order) => post(`/v1/orders/${order.id}/pay`, {}, customer)),
    );

    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 409, 409]);
    for (const refused of results.filter((r) => r.status === 409)) {
      expect(refused.body.code).toBe('insufficient_allowance');
      expect(refused.body.availableBalanceMinor).toBe(100);
    }
    expect(
      await countRows(
        stack,
        `SELECT count(*) AS n FROM allowance_postings WHERE customer_id = $1 AND kind = 'debit'`,
        [customer.sub],
      ),
    ).toBe(3);
    expect(expectStatus(await balance(customer), 200)).toMatchObject({
      spentMinor: 900,
      availableBalanceMinor: 100,
    });
    expect(await balanceOf(stack, program.fundingAccountId)).toBe(-900);
    await expectLedgerConsistent(stack);
  });
});
