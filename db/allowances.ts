import type { Transaction } from 'sequelize';
import type { Db } from './connection';

/*
 * Allowance queries (SPEC.md §8): programmes, pauses, participants, vouchers, balances, and
 * the row lock and postings the order transactions use (lock order: orders → products →
 * participants → accounts).
 */

/** AllowanceLine is one order line as the allowance check sees it: its subtotal's parts. */
export interface AllowanceLine {
  productId: string;
  quantity: number;
  priceMinor: number;
  category: string | null;
}

/** AllowanceCoverInput asks whether a participant's available allowance covers some lines. */
export interface AllowanceCoverInput {
  customerId: string;
  currency: string;
  lines: AllowanceLine[];
}

/**
 * assertAllowanceCovers runs inside a placement transaction, after the products are locked:
 * it locks the participant row `FOR UPDATE`, reads the balance at the transaction's time and
 * refuses lines whose total exceeds the available balance, or whose subtotal in a category
 * exceeds that category's available sub-limit. Refusals state the available balance.
 * @throws DomainError `not_a_participant`, `currency_mismatch` (422), `insufficient_allowance`,
 *   `category_limit_exceeded` (409).
 */
export async function assertAllowanceCovers(
  db: Db,
  transaction: Transaction,
  input: AllowanceCoverInput,
): Promise<void> {
  void db;
  void transaction;
  void input;
  throw new Error('assertAllowanceCovers is not built yet');
}
