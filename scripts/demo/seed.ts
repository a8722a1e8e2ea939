import { randomUUID } from 'node:crypto';
import type { Actor } from '../../tools/actors';
import type { HoldfastResult } from '../../client/index';
import { expectStatus } from '../../tools/http';
import {
  authHeaders,
  openFundedWallet,
  readAccount,
  type SeedContext,
} from '../../tools/resources';
import { mapLimit } from '../shared/async';
import { withBar } from '../shared/progress';
import type { DemoClient } from './client';
import { SETUP_CONCURRENCY } from './settings';

/**
 * How the scenes act as staff: create and read resources, seed customers with funded wallets,
 * and check those wallets at the end.
 */

/** Funded is one customer of a scene: its actor, its index, its EUR wallet and the deposit (minor units). */
export interface Funded extends Actor {
  index: number;
  walletId: string;
  depositMinor: number;
}

/** seedVia is how a scene seeds as `staff`: every create carries a fresh Idempotency-Key. */
export function seedVia(client: DemoClient, staff: Actor): SeedContext {
  return { api: client.api, send: client.send, staff, newKey: randomUUID };
}

/** Call is one typed request made with the headers it is given. */
type Call = (headers: Record<string, string>) => Promise<HoldfastResult>;

/** staffCreate sends one staff POST (`post`, with a fresh Idempotency-Key); returns the 201 body, else throws naming `what`. */
export async function staffCreate<T>(
  client: DemoClient,
  staff: Actor,
  what: string,
  post: Call,
): Promise<T> {
  const headers = authHeaders(staff.token, randomUUID());
  return expectStatus(await client.send<T>(() => post(headers)), 201, what);
}

/** staffRead sends one staff GET (`get`); returns the 200 body, else throws naming `what`. */
export async function staffRead<T>(
  client: DemoClient,
  staff: Actor,
  what: string,
  get: Call,
): Promise<T> {
  const headers = authHeaders(staff.token);
  return expectStatus(await client.send<T>(() => get(headers)), 200, what);
}

/**
 * openWallets creates `count` customers, each with a EUR wallet funded with
 * `depositFor(index)` minor units, SETUP_CONCURRENCY at a time under a progress bar.
 */
export function openWallets(
  client: DemoClient,
  staff: Actor,
  count: number,
  depositFor: (index: number) => number,
): Promise<Funded[]> {
  const indexes = Array.from({ length: count }, (_, i) => i);
  return withBar('wallets + deposits', indexes, SETUP_CONCURRENCY, async (index) => {
    const actor = await client.newActor('customer');
    const depositMinor = depositFor(index);
    const walletId = await openFundedWallet(seedVia(client, staff), {
      ownerId: actor.sub,
      amountMinor: depositMinor,
      currency: 'EUR',
    });
    return { ...actor, index, walletId, depositMinor };
  });
}

/**
 * walletProblems reads each wallet (GET /v1/accounts/:id as staff, bounded concurrency) and
 * lists those whose balance ≠ `expectedMinor` or whose available ≠ balance (a hold left open);
 * also returns the sum of the balances in minor units.
 */
export async function walletProblems(
  client: DemoClient,
  staff: Actor,
  expected: readonly { walletId: string; expectedMinor: number }[],
): Promise<{ problems: string[]; sumMinor: number }> {
  const wallets = await mapLimit(expected, SETUP_CONCURRENCY, (e) =>
    readAccount(client, staff, e.walletId),
  );
  const problems = wallets.flatMap((wallet, i) => {
    const expectedMinor = expected[i]!.expectedMinor;
    return [
      ...(wallet.balanceMinor === expectedMinor
        ? []
        : [`wallet ${wallet.id}: balance ${wallet.balanceMinor} ≠ expected ${expectedMinor}`]),
      ...(wallet.availableMinor === wallet.balanceMinor
        ? []
        : [
            `wallet ${wallet.id}: available ${wallet.availableMinor} ≠ balance ${wallet.balanceMinor}`,
          ]),
    ];
  });
  return { problems, sumMinor: wallets.reduce((sum, w) => sum + w.balanceMinor, 0) };
}
