import type { TransferView } from '../domain/ledger';
import type { TransferWorkflowInput } from '../domain/transfer';
import { DomainError } from '../domain/errors';
import type { Db } from '../db/connection';
import { ensureSystemAccount, findAccount, postTransfer } from './ledger';

/**
 * executeTransfer posts the transfer a `transfer-<id>` workflow stands for, with the
 * transfer's ID as the ledger row's ID (a retry returns the posted row). A deposit is debited
 * from the `external` account of the target account's currency; a retainer consumption is
 * credited to the `revenue` account of the retainer's currency.
 * @throws DomainError `not_found` (404), `insufficient_funds` (409), `currency_mismatch`,
 *   `same_account` (422).
 */
export async function executeTransfer(db: Db, input: TransferWorkflowInput): Promise<TransferView> {
  let { fromAccountId, toAccountId } = input;
  if (input.kind === 'deposit') {
    fromAccountId = await systemAccountFor(db, toAccountId, 'external');
  } else if (input.kind === 'retainer_consumption') {
    toAccountId = await systemAccountFor(db, fromAccountId, 'revenue');
  }
  if (!fromAccountId || !toAccountId)
    throw new Error(`transfer ${input.transferId} lacks an account`);
  return postTransfer(db, {
    id: input.transferId,
    kind: input.kind,
    fromAccountId,
    toAccountId,
    amountMinor: input.amountMinor,
    description: input.description ?? null,
    initiatedBy: input.initiatedBy,
  });
}

/**
 * systemAccountFor returns the system account of `kind` in the currency of `accountId`.
 * @throws DomainError `not_found` (404) when `accountId` does not exist.
 */
async function systemAccountFor(
  db: Db,
  accountId: string | undefined,
  kind: 'external' | 'revenue',
): Promise<string> {
  const account = accountId ? await findAccount(db, accountId) : undefined;
  if (!account) throw new DomainError('not_found', `Account ${accountId} does not exist`);
  return ensureSystemAccount(db, { kind, currency: account.currency });
}
