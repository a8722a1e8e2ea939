import { toSafeInt } from '../../db/connection';
import { query } from '../../db/transaction';
import { stackApi, type Actor, type TestStack } from '../../tools/app';
import { readAccount } from '../../tools/resources';
import { sleep } from '../../tools/process';

export { openWallet, seedCatalog, type ProductSeed } from '../../tools/seed';

/** stockOf reads a product's stock straight from SQL. */
export async function stockOf(
  stack: TestStack,
  productId: string,
): Promise<{ stockOnHand: number; reserved: number }> {
  const [row] = await query<{ stock_on_hand: number; reserved: number }>(
    stack.db,
    'SELECT stock_on_hand, reserved FROM products WHERE id = $1',
    [productId],
  );
  return { stockOnHand: row!.stock_on_hand, reserved: row!.reserved };
}

/** balanceOf reads an account's balance straight from SQL. */
export async function balanceOf(stack: TestStack, accountId: string): Promise<number> {
  const [row] = await query<{ balance_minor: string }>(
    stack.db,
    'SELECT balance_minor FROM accounts WHERE id = $1',
    [accountId],
  );
  return toSafeInt(row!.balance_minor);
}

/** countRows counts rows of `sql` (a SELECT count(*) AS n …) with bind parameters. */
export async function countRows(
  stack: TestStack,
  sql: string,
  bind: unknown[] = [],
): Promise<number> {
  const [row] = await query<{ n: string }>(stack.db, sql, bind);
  return Number(row!.n);
}

/** waitFor polls `probe` every 200 ms until it returns true, up to `timeoutMs`. */
export async function waitFor(probe: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await sleep(200);
  }
  return probe();
}

/** expectLedgerConsistent runs the ledger check and fails with its violations when any. */
export async function expectLedgerConsistent(stack: TestStack): Promise<void> {
  const { checkLedger } = await import('../../db/ledger-check');
  const report = await checkLedger(stack.db);
  const failed = report.checks.filter((c) => !c.ok);
  if (failed.length > 0) throw new Error(`ledger check failed: ${JSON.stringify(failed, null, 1)}`);
}

/** accountOf reads an account through the API as `who`. */
export async function accountOf(
  stack: TestStack,
  who: Actor,
  accountId: string,
): Promise<{ balanceMinor: number; availableMinor: number }> {
  return readAccount(stackApi(stack), who, accountId);
}
