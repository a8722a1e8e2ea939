import { findAllowanceBalance } from '../../db/allowances';
import { addVoucher } from '../../db/allowances-programs';
import type { AllowanceBalanceView, VoucherView } from '../../domain/allowances';
import type { CreateVoucherBody } from '../../domain/allowances-schemas';
import { DomainError } from '../../domain/errors';
import { assertRole, type AuthUser } from '../middleware/auth';
import type { ApiDeps } from '../router';

/*
 * The allowance-programme service (SPEC.md §8): the checks that need the clock or the
 * database before a write, and who may read a balance. Programme writes are single short
 * transactions in db/allowances-programs.ts, with nothing durable to orchestrate, so no
 * workflow is involved (as for the catalog).
 */

/**
 * visibleBalance reads a participant's allowance balance now, for the customer themself or
 * staff.
 * @throws DomainError `forbidden` (403) for operators, `not_found` (404) for another customer's
 *   balance (as for a missing one) and for a customer in no programme.
 */
export async function visibleBalance(
  deps: ApiDeps,
  user: AuthUser,
  customerId: string,
): Promise<AllowanceBalanceView> {
  assertRole(user, ['customer', 'staff']);
  const balance =
    user.role === 'staff' || user.sub === customerId
      ? await findAllowanceBalance(deps.db, customerId)
      : undefined;
  if (!balance) throw new DomainError('not_found', 'No such participant');
  return balance;
}

/**
 * giveVoucher gives a participant a voucher (staff), once its expiry is checked against the
 * clock, before any write.
 * @throws DomainError `validation_failed` (422) when `expiresAt` is not in the future,
 *   `not_found` (404) when the customer is in no programme.
 */
export async function giveVoucher(
  deps: ApiDeps,
  input: { user: AuthUser; customerId: string; body: CreateVoucherBody; voucherId: string },
): Promise<VoucherView> {
  const { body } = input;
  if (Date.parse(body.expiresAt) <= Date.now()) {
    throw new DomainError('validation_failed', 'The voucher is not valid', {
      errors: [{ path: 'expiresAt', message: 'must be in the future' }],
    });
  }
  return addVoucher(deps.db, {
    id: input.voucherId,
    customerId: input.customerId,
    multiplier: body.multiplier,
    expiresAt: body.expiresAt,
    createdBy: input.user.sub,
  });
}
