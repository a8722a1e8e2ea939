import type { TransferView } from '../domain/ledger';
import type { TransferWorkflowInput } from '../domain/transfer';
import { DomainError } from '../domain/errors';
import type { Db } from '../db/connection';
import { ensureSystemAccount, findAccount, postTransfer } from './ledger';

/**
 * executeTransfer posts the transfer a `transfer-<id>` workflow stands for, with the
 * transfer's ID as the ledger row's ID (a retry returns the posted row). A deposit is debited
 * from the `external` account of the target account's currency.
 * @throws DomainError `not_found` (404), `insufficient_funds` (409), `currency_mismatch`,
 *   `same_account` (422).
 */
export async function executeTransfer(db: Db, input: TransferWorkflowInput): Promise<TransferView> {
  let fromAccountId = input.fromAccountId;
  if (input.kind === 'deposit') {
    const target = await findAccount(db, input.toAccountId);
    if (!target) throw new DomainError('not_found', `Account ${input.toAccountId} does not exist`);
    fromAccountId = await ensureSystemAccount(db, { kind: 'external', currency: target.currency });
  }
  if (!fromAccountId) throw new Error(`transfer ${input.transferId} has no source account`);
  return postTransfer(db, {
    id: input.transferId,
    kind: input.kind,
    fromAccountId,
    toAccountId: input.toAccountId,
    amountMinor: input.amountMinor,
    description: input.description ?? null,
    initiatedBy: input.initiatedBy,
  });
}
