import { findAccount, findTransfer } from '../../db/ledger';
import { DomainError } from '../../domain/errors';
import { resourceIdFor } from '../../domain/ids';
import {
  createHoldUpdate,
  HOLD_MACHINE,
  postHoldUpdate,
  voidHoldUpdate,
  type AccountView,
  type TransferView,
  type TransferWorkflowInput,
} from '../../domain/ledger';
import { workflowIds } from '../../domain/workflow-ids';
import { holdWorkflow, transferWorkflow } from '../../workflows/ledger';
import type { AuthUser } from '../middleware/auth';
import { idempotentUpdateId } from '../middleware/idempotency';
import type { ApiDeps } from '../router';
import { runOnce, sendEntityUpdate, startWithUpdate } from '../temporal-kit';

/*
 * The ledger service (SPEC.md §5): what the account, transfer and retainer routes call. Every
 * movement of money runs as `transfer-<id>` (a posted transfer, or a hold); reads go straight
 * to PostgreSQL.
 */

/** TransferResult is a transfer or hold with the workflow that moved it. */
export type TransferResult = TransferView & { workflowId: string };

/** withWorkflowId adds the `transfer-<id>` workflow ID that responses carry (SPEC.md §1). */
export function withWorkflowId(transfer: TransferView): TransferResult {
  return { ...transfer, workflowId: workflowIds.transfer(transfer.id) };
}

/**
 * visibleAccount reads an account its owner or staff may see.
 * @throws DomainError `not_found` (404) for anyone else, as for a missing account.
 */
export async function visibleAccount(deps: ApiDeps, user: AuthUser, accountId: string) {
  const account = await findAccount(deps.db, accountId);
  if (!account || (user.role !== 'staff' && account.ownerId !== user.sub))
    throw new DomainError('not_found', 'No such account');
  return account;
}

/**
 * assertMaySpend lets staff move money out of any account and customers only out of their
 * own. @throws DomainError `forbidden` (403).
 */
export async function assertMaySpend(deps: ApiDeps, user: AuthUser, accountId: string) {
  if (user.role === 'staff') return;
  const account = await findAccount(deps.db, accountId);
  if (user.role === 'customer' && account?.ownerId === user.sub) return;
  throw new DomainError('forbidden', 'Money can only leave an account its owner or staff moves', {
    accountId,
  });
}

/**
 * visibleTransfer reads a transfer its parties (owners of either account) or staff may see.
 * @throws DomainError `not_found` (404) for anyone else, as for a missing transfer.
 */
export async function visibleTransfer(deps: ApiDeps, user: AuthUser, transferId: string) {
  const transfer = await findTransfer(deps.db, transferId);
  if (transfer && user.role === 'staff') return transfer;
  if (transfer) {
    const accounts = await Promise.all(
      [transfer.fromAccountId, transfer.toAccountId].map((id) => findAccount(deps.db, id)),
    );
    if (accounts.some((account) => account?.ownerId === user.sub)) return transfer;
  }
  throw new DomainError('not_found', 'No such transfer');
}

/**
 * moveMoney runs one posted transfer as `transfer-<transferId>` (reuse policy
 * REJECT_DUPLICATE), so a duplicate request reads the first run's answer.
 * @throws DomainError `insufficient_funds` (409), `currency_mismatch`, `same_account` (422),
 *   `not_found` (404).
 */
export async function moveMoney(
  deps: ApiDeps,
  input: TransferWorkflowInput,
): Promise<TransferView> {
  return runOnce(deps.temporal, transferWorkflow, {
    workflowId: workflowIds.transfer(input.transferId),
    taskQueue: deps.config.taskQueue,
    args: [input],
  });
}

/** TransferRequest is a validated `POST /v1/transfers`: who asks, the body and the derived ID. */
export interface TransferRequest {
  user: AuthUser;
  transferId: string;
  body: {
    fromAccountId: string;
    toAccountId: string;
    amountMinor: number;
    description?: string;
    /** hold makes it two-phase: pending until posted or voided, or voided after timeoutMs. */
    hold?: { timeout: number };
  };
}

/**
 * transfer moves money between two accounts, as the source's owner or staff: a posted
 * transfer, or with `hold` a pending two-phase one (SPEC.md §5).
 * @throws DomainError `same_account` (422), `forbidden` (403) for operators, `not_found` (404)
 *   for a customer's source that is not theirs and for a customer's payee that is a system
 *   account (or missing), `insufficient_funds` (409), `currency_mismatch` (422).
 */
export async function transfer(deps: ApiDeps, input: TransferRequest): Promise<TransferResult> {
  const { user, transferId } = input;
  const { hold, ...body } = input.body;
  if (body.fromAccountId === body.toAccountId)
    throw new DomainError('same_account', 'A transfer needs two different accounts');
  // A customer naming someone else's account (or a missing one) as the source asks for
  // someone else's resource: 404 as GET /v1/accounts/:id answers (SPEC.md §1), not the 403
  // assertMaySpend gives, which told them the account was not theirs.
  if (user.role === 'customer') {
    await visibleAccount(deps, user, body.fromAccountId);
    await assertCustomerPayee(deps, body.toAccountId);
  } else await assertMaySpend(deps, user, body.fromAccountId);
  const common = { ...body, transferId, initiatedBy: user.sub };
  const moved = hold
    ? await placeHold(deps, { ...common, timeoutMs: hold.timeout })
    : await moveMoney(deps, { ...common, kind: 'transfer' });
  return withWorkflowId(moved);
}

/**
 * assertCustomerPayee lets a customer pay into any user's account, never into a system account
 * (`external`, `revenue`, a programme's funding: no owner), which belongs to no one they may
 * name: money sent to `external` would leave the ledger unaccounted.
 * @throws DomainError `not_found` (404) for a system account, as for a missing one.
 */
async function assertCustomerPayee(deps: ApiDeps, accountId: string): Promise<void> {
  const account = await findAccount(deps.db, accountId);
  if (!account?.ownerId) throw new DomainError('not_found', 'No such account');
}

/** DepositRequest is a validated staff deposit into an account, with its derived transfer ID. */
export interface DepositRequest {
  user: AuthUser;
  accountId: string;
  transferId: string;
  amountMinor: number;
  description?: string;
}

/**
 * deposit moves money from outside (the `external` account of the currency) into an account.
 * @throws DomainError `not_found` (404).
 */
export async function deposit(deps: ApiDeps, input: DepositRequest): Promise<TransferResult> {
  const account = await visibleAccount(deps, input.user, input.accountId);
  const moved = await moveMoney(deps, {
    transferId: input.transferId,
    kind: 'deposit',
    toAccountId: account.id,
    amountMinor: input.amountMinor,
    description: input.description,
    initiatedBy: input.user.sub,
  });
  return withWorkflowId(moved);
}

/** HoldInput is a two-phase transfer to place: the transfer plus its timeout in ms. */
export type HoldInput = Omit<TransferWorkflowInput, 'kind' | 'fromAccountId' | 'toAccountId'> & {
  fromAccountId: string;
  toAccountId: string;
  timeoutMs: number;
};

/**
 * placeHold places a hold with the `createHold` Update (Update-with-Start); a duplicate of a
 * closed run reads the stored hold, or the run's Refusal.
 * @throws DomainError `insufficient_funds` (409), `currency_mismatch`, `same_account` (422).
 */
export async function placeHold(deps: ApiDeps, input: HoldInput): Promise<TransferView> {
  return startWithUpdate(deps.temporal, {
    workflow: holdWorkflow,
    workflowId: workflowIds.transfer(input.transferId),
    taskQueue: deps.config.taskQueue,
    args: [input],
    update: createHoldUpdate,
    updateArgs: [],
    reusePolicy: 'REJECT_DUPLICATE',
    readStored: () => findTransfer(deps.db, input.transferId),
  });
}

/** ResolveHoldInput posts (optionally for less) or voids a hold, as its source's owner or staff. */
export interface ResolveHoldInput {
  user: AuthUser;
  transferId: string;
  action: 'post' | 'void';
  amountMinor?: number;
}

/**
 * resolveHold posts or voids a pending hold once through its workflow's Update.
 * @throws DomainError `not_found` (404), `forbidden` (403), `invalid_transition` (409) for a
 *   plain transfer, `already_resolved` (409), `validation_failed` (422) for posting more.
 */
export async function resolveHold(deps: ApiDeps, input: ResolveHoldInput): Promise<TransferView> {
  const { user, action, amountMinor } = input;
  const hold = await visibleTransfer(deps, user, input.transferId);
  await assertMaySpend(deps, user, hold.fromAccountId);
  if (hold.kind !== 'hold')
    throw new DomainError('invalid_transition', 'Only holds are posted or voided');
  return sendEntityUpdate(deps.temporal, {
    ...(action === 'post'
      ? { update: postHoldUpdate, args: [{ amountMinor, actorId: user.sub }] as const }
      : { update: voidHoldUpdate, args: [{ actorId: user.sub }] as const }),
    updateId: idempotentUpdateId(`hold-${action}`),
    workflowId: workflowIds.transfer(hold.id),
    machine: HOLD_MACHINE,
    target: action === 'post' ? 'posted' : 'voided',
    read: () => findTransfer(deps.db, hold.id),
  });
}

/** OpenRetainerInput opens a retainer for a client, funded from outside. */
export interface OpenRetainerInput {
  user: AuthUser;
  retainerId: string;
  clientId: string;
  initialAmountMinor: number;
  currency: string;
}

/**
 * openRetainer opens and funds a `retainer` in one posting: the funding deposit's transfer ID
 * derives from the retainer's and opens the account (`opensAccount`), so a refused or never-run
 * funding leaves no account (SPEC.md §1). @throws DomainError the funding's refusal (422).
 */
export async function openRetainer(deps: ApiDeps, input: OpenRetainerInput) {
  const { retainerId } = input;
  const transferId = resourceIdFor({
    sub: retainerId,
    idempotencyKey: 'initial-funding',
    scope: 'retainer-funding',
  });
  await moveMoney(deps, {
    transferId,
    kind: 'deposit',
    toAccountId: retainerId,
    amountMinor: input.initialAmountMinor,
    description: 'retainer funding',
    initiatedBy: input.user.sub,
    opensAccount: { ownerId: input.clientId, kind: 'retainer', currency: input.currency },
  });
  return (await findAccount(deps.db, retainerId))!;
}

/** ConsumeRetainerInput consumes part of a retainer into revenue. */
export interface ConsumeRetainerInput {
  user: AuthUser;
  retainerId: string;
  transferId: string;
  amountMinor: number;
  description: string;
}

/**
 * consumeRetainer moves `amountMinor` from a retainer to revenue as its own `transfer-<id>`;
 * the row lock and the no-negative CHECK make consuming past zero impossible.
 * @throws DomainError `not_found` (404), `insufficient_funds` (409).
 */
export async function consumeRetainer(deps: ApiDeps, input: ConsumeRetainerInput) {
  const retainer = await findAccount(deps.db, input.retainerId);
  if (!retainer || retainer.kind !== 'retainer')
    throw new DomainError('not_found', 'No such retainer');
  const transfer = await moveMoney(deps, {
    transferId: input.transferId,
    kind: 'retainer_consumption',
    fromAccountId: retainer.id,
    amountMinor: input.amountMinor,
    description: input.description,
    initiatedBy: input.user.sub,
  });
  const after: AccountView = (await findAccount(deps.db, retainer.id))!;
  const { balanceMinor, availableMinor } = after;
  return { id: retainer.id, balanceMinor, availableMinor, transfer };
}
