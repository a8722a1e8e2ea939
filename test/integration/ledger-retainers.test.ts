import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../db/transaction';
import { AMOUNT_MINOR_MAX } from '../../domain/schemas';
import { actor, call, expectStatus, useStack, type Actor, type TestStack } from '../helpers/stack';
import { holdRow, untilSettled, useShortDeadlineStack } from '../helpers/slow-writes';
import { balanceOf, countRows, expectLedgerConsistent, openWallet } from '../helpers/factories';

/*
 * Opening a retainer is one transaction (SPEC.md §5): the account exists funded or not at all.
 * A funding that is refused, or that has not run yet when the request gives up, never leaves
 * an empty retainer account behind for a client to see or a consume to find.
 */

const REQUEST_TIMEOUT_MS = 1_500;
const LOCK_HELD_MS = 4_000;

/** stack answers within REQUEST_TIMEOUT_MS; `setup` (the default timeout) seeds. */
let stack: TestStack;
let setup: TestStack;
let staff: Actor;

beforeAll(async () => {
  stack = await useShortDeadlineStack(REQUEST_TIMEOUT_MS);
  setup = await useStack();
  staff = await actor('staff');
});

/**
 * privateCurrency is an ISO-4217-shaped code no other test uses: the `external` account of a
 * currency is shared, and these tests lock it or drive it to the edge of the range.
 */
function privateCurrency(): string {
  const letter = () => String.fromCharCode(65 + Math.floor(Math.random() * 26));
  return `R${letter()}${letter()}`;
}

/** externalAccountOf is the `external` account of `currency`, read in SQL. */
async function externalAccountOf(currency: string): Promise<string> {
  const [row] = await query<{ id: string }>(
    setup.db,
    `SELECT id FROM accounts WHERE owner_id IS NULL AND kind = 'external' AND currency = $1`,
    [currency],
  );
  return row!.id;
}

/** retainersOf counts the accounts of `clientId`, of any kind, straight from SQL. */
function retainersOf(clientId: string): Promise<number> {
  return countRows(setup, 'SELECT count(*) AS n FROM accounts WHERE owner_id = $1', [clientId]);
}

describe('opening a retainer', () => {
  it('when its funding waits behind a locked account past the request’s deadline, then no unfunded retainer exists meanwhile, and the retry with the key gets it funded once', async () => {
    const currency = privateCurrency();
    await openWallet(setup, staff, await actor('customer'), 10, currency);
    const external = await externalAccountOf(currency);
    const clientId = randomUUID();
    const key = randomUUID();
    const open = () =>
      call(stack, 'POST', '/v1/retainers', {
        token: staff.token,
        key,
        body: { clientId, initialAmountMinor: 1_000, currency },
      });
    const { released } = await holdRow(setup, 'accounts', external, LOCK_HELD_MS);

    const timedOut = await open();
    const whileWaiting = await retainersOf(clientId);
    await released;
    const retried = await untilSettled(open);

    expect(timedOut.status).toBe(503);
    expect(whileWaiting).toBe(0);
    const retainer = expectStatus(retried, 201, 'retry');
    expect(retainer).toMatchObject({ kind: 'retainer', ownerId: clientId, balanceMinor: 1_000 });
    expect(await retainersOf(clientId)).toBe(1);
    expect(
      await countRows(
        setup,
        'SELECT count(*) AS n FROM ledger_transfers WHERE credit_account_id = $1',
        [retainer.id],
      ),
    ).toBe(1);
    await expectLedgerConsistent(setup);
  });

  it('when its funding is refused (the currency’s external account would leave the number range), then 422 and no retainer account row', async () => {
    const currency = privateCurrency();
    const funded: string[] = [];
    // Nine retainers of the largest amount a body may carry take the currency's external
    // account to −9 × 10^15; one more of 10^13 would take it past −(2^53 − 1).
    for (let index = 0; index < 9; index += 1) {
      const opened = await call(setup, 'POST', '/v1/retainers', {
        token: staff.token,
        key: randomUUID(),
        body: { clientId: randomUUID(), initialAmountMinor: AMOUNT_MINOR_MAX, currency },
      });
      funded.push(expectStatus<{ id: string }>(opened, 201, `retainer ${index}`).id);
    }
    const clientId = randomUUID();

    const refused = await call(setup, 'POST', '/v1/retainers', {
      token: staff.token,
      key: randomUUID(),
      body: { clientId, initialAmountMinor: 1e13, currency },
    });

    expect([refused.status, refused.body.code]).toEqual([422, 'amount_out_of_range']);
    expect(await retainersOf(clientId)).toBe(0);
    expect(await balanceOf(setup, funded[8]!)).toBe(AMOUNT_MINOR_MAX);
    expect(await balanceOf(setup, await externalAccountOf(currency))).toBe(-9e15);
    await expectLedgerConsistent(setup);
  });
});
