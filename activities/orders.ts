import type { Transaction } from 'sequelize';
import { DomainError } from '../domain/errors';
import {
  assertBeforeDeadline,
  assertInStock,
  assertOrderableLines,
  orderTotalOf,
} from '../domain/order-rules';
import type { OrderView } from '../domain/orders';
import { ledgerTransferIds, workflowIds } from '../domain/workflow-ids';
import type { Db } from '../db/connection';
import { ensureSystemAccount } from '../db/ledger';
import {
  assertAllowanceCovers,
  debitAllowanceForOrder,
  restoreAllowanceForOrder,
} from '../db/allowances';
import { allowanceCoverOf, insertOrder, type PlacementInput } from '../db/orders-placement';
import { postTransferInTx } from '../db/ledger-postings';
import { lockPayingWallet } from '../db/wallet-payment';
import {
  findOrder,
  lockProducts,
  lockProductsForPlacement,
  moveStock,
  ORDERS,
  type OrderReference,
} from '../db/orders';
import { withTransaction } from '../db/transaction';
import { recordChange, transition, writeTransition, type References } from '../db/transition';

/*
 * The order activities (SPEC.md §4): each is one transaction that locks in the fixed order
 * orders → products → accounts, ascending id, and is idempotent under activity retries.
 */

/** PlaceOrderActivityInput is what placeOrder reserves: lines merged and sorted by productId. */
export type PlaceOrderActivityInput = PlacementInput;

/**
 * placeOrder reserves stock and inserts the order in one transaction (SPEC.md §4); a retry
 * returns the placed order. Products are locked ascending and every check (stock, and with
 * `pay` the wallet or allowance) runs before any write; `fromCart` takes the ordered lines out
 * of the cart, `pay` pays with `order-<id>-payment`. @throws see api/orders/service.ts placeOrder.
 */
export async function placeOrder(db: Db, input: PlaceOrderActivityInput): Promise<OrderView> {
  return withTransaction(db, 'place_order', async (transaction) => {
    const productIds = input.lines.map((l) => l.productId);
    const { products, placed } = await lockProductsForPlacement(db, transaction, {
      orderId: input.orderId,
      productIds,
    });
    if (placed) return (await findOrder(db, input.orderId, transaction))!;
    assertBeforeDeadline(input.deadlineMs);
    assertOrderableLines(input.lines, products);
    const totalMinor = orderTotalOf(input.lines, products);
    assertInStock(input.lines, products);
    if (input.paymentMethod === 'allowance')
      await assertAllowanceCovers(db, transaction, allowanceCoverOf(input, products));
    const { pay } = input;
    if (!pay)
      return placedOrder(db, transaction, await insertOrder(db, transaction, input, products));
    const currency = products.get(input.lines[0]!.productId)!.currency.trim();
    const revenueId = await ensureSystemAccount(db, { kind: 'revenue', currency }, transaction);
    if (input.paymentMethod === 'wallet' && pay.accountId !== undefined) {
      const { accountId, customerId } = { accountId: pay.accountId, ...input };
      const paying = { payable: 'order' as const, accountId, customerId, currency };
      await lockPayingWallet(db, transaction, { ...paying, amountMinor: totalMinor, revenueId });
    }
    const order = await placedOrder(
      db,
      transaction,
      await insertOrder(db, transaction, input, products),
    );
    const transferId = workflowIds.orderPayment(order.id);
    const paying = {
      orderId: order.id,
      accountId: pay.accountId,
      transferId,
      actorId: pay.actorId,
    };
    const references = await payLockedOrder(db, transaction, { order, input: paying, revenueId });
    return writeTransition(db, transaction, ORDERS, { row: order, target: 'paid', references });
  });
}

/** placedOrder records the `order.placed` event of an order just inserted, and returns it. */
async function placedOrder(db: Db, transaction: Transaction, order: OrderView) {
  await recordChange(db, transaction, ORDERS, order, 'placed');
  return order;
}

/**
 * PayOrderActivityInput pays an order with the ledger transfer `transferId`: a wallet order
 * from the wallet `accountId`, an allowance order (no `accountId`) from its allowance programme.
 */
export interface PayOrderActivityInput {
  orderId: string;
  accountId?: string;
  transferId: string;
  actorId: string;
}

/**
 * payOrder pays an order with the transfer `transferId` in one transaction (orders → accounts):
 * from the wallet, or an allowance order from its programme. A retry returns the order paid by
 * this transfer; one past `expiresAt` is refused even before its timer (SPEC.md §10).
 * @throws DomainError, see api/orders/service.ts payOrder.
 */
export async function payOrder(db: Db, input: PayOrderActivityInput): Promise<OrderView> {
  const probe = await findOrder(db, input.orderId);
  if (!probe) throw new DomainError('not_found', `Order ${input.orderId} does not exist`);
  return transition(db, ORDERS, {
    id: input.orderId,
    target: 'paid',
    isDone: (order) => order.status === 'paid' && order.paymentTransferId === input.transferId,
    async apply(transaction, order) {
      // The deadline is the stored fact, not the timer (SPEC.md §10): a late timer lets nothing through.
      if (Date.parse(order.expiresAt) <= Date.now())
        ORDERS.machine.assertTransition('expired', 'paid');
      // Made on first use in this transaction, so a refused payment leaves no account behind.
      const revenue = { kind: 'revenue' as const, currency: order.currency };
      const revenueId = await ensureSystemAccount(db, revenue, transaction);
      return payLockedOrder(db, transaction, { order, input, revenueId });
    },
  });
}

/** PayingOrder is an order being paid inside its transaction, and the revenue account it pays. */
interface PayingOrder {
  order: OrderView;
  input: PayOrderActivityInput;
  revenueId: string;
}

/**
 * payLockedOrder pays an order inside the transaction that locked (or inserted) it: from the
 * allowance (payFromAllowance), or from the wallet `accountId` to revenue with the transfer
 * `transferId` (accounts locked ascending); it returns the references the `paid` stamp records.
 * @throws DomainError as payOrder does, after its state checks.
 */
async function payLockedOrder(
  db: Db,
  transaction: Transaction,
  paying: PayingOrder,
): Promise<References<OrderReference>> {
  const { order, input, revenueId } = paying;
  if (order.paymentMethod === 'allowance') return payFromAllowance(db, transaction, paying);
  if (input.accountId === undefined)
    throw new DomainError('validation_failed', 'A wallet order is paid from a wallet account');
  await lockPayingWallet(db, transaction, {
    payable: 'order',
    accountId: input.accountId,
    customerId: order.customerId,
    currency: order.currency,
    amountMinor: order.totalMinor,
    revenueId,
  });
  await postTransferInTx(db, transaction, {
    id: input.transferId,
    kind: 'order_payment',
    fromAccountId: input.accountId,
    toAccountId: revenueId,
    amountMinor: order.totalMinor,
    description: `payment of order ${order.id}`,
    initiatedBy: input.actorId,
  });
  return { paymentAccountId: input.accountId, paymentTransferId: input.transferId };
}

/**
 * payFromAllowance is payOrder's step for an allowance order (SPEC.md §8): it checks the
 * allowance again, writes the debit posting (locking the participant), then posts `transferId`
 * from the programme's funding account to revenue, which is the order's paying account.
 */
async function payFromAllowance(
  db: Db,
  transaction: Transaction,
  paying: PayingOrder,
): Promise<References<OrderReference>> {
  const { order, input } = paying;
  if (input.accountId !== undefined)
    throw new DomainError('validation_failed', 'An allowance order is paid from the allowance');
  const { fundingAccountId } = await debitAllowanceForOrder(db, transaction, order);
  await postTransferInTx(db, transaction, {
    id: input.transferId,
    kind: 'order_payment',
    fromAccountId: fundingAccountId,
    toAccountId: paying.revenueId,
    amountMinor: order.totalMinor,
    description: `allowance payment of order ${order.id}`,
    initiatedBy: input.actorId,
  });
  return { paymentAccountId: fundingAccountId, paymentTransferId: input.transferId };
}

/** OrderActionInput names the order a cancel or fulfil moves and who asks for it. */
export interface OrderActionInput {
  orderId: string;
  actorId: string;
}

/**
 * cancelOrder releases the reservation and, for a paid order, refunds it (`order-<id>-refund`)
 * and restores an allowance, in one transaction (orders → products → participants → accounts).
 * A cancelled order is returned unchanged (a retry). @throws DomainError `invalid_transition`.
 */
export async function cancelOrder(db: Db, input: OrderActionInput): Promise<OrderView> {
  const probe = await findOrder(db, input.orderId);
  if (!probe) throw new DomainError('not_found', `Order ${input.orderId} does not exist`);
  const revenueId = probe.paymentAccountId
    ? await ensureSystemAccount(db, { kind: 'revenue', currency: probe.currency })
    : undefined;
  return transition(db, ORDERS, {
    id: input.orderId,
    target: 'cancelled',
    async apply(transaction, order) {
      await releaseOrShip(db, transaction, order, 'release');
      if (order.status !== 'paid') return;
      if (!revenueId || !order.paymentAccountId)
        throw new Error(`paid order ${order.id} has no payment account`);
      if (order.paymentMethod === 'allowance')
        await restoreAllowanceForOrder(db, transaction, order);
      const refund = await postTransferInTx(db, transaction, {
        id: ledgerTransferIds.orderRefund(order.id),
        kind: 'order_refund',
        fromAccountId: revenueId,
        toAccountId: order.paymentAccountId,
        amountMinor: order.totalMinor,
        description: `refund of order ${order.id}`,
        initiatedBy: input.actorId,
      });
      return { refundTransferId: refund.id };
    },
  });
}

/**
 * fulfillOrder ships a paid order: stock on hand and reserved both drop by each line's
 * quantity, in one transaction (orders → products). A retry returns the fulfilled order.
 * @throws DomainError `invalid_transition` (409) unless the order is paid.
 */
export async function fulfillOrder(db: Db, input: OrderActionInput): Promise<OrderView> {
  return transition(db, ORDERS, {
    id: input.orderId,
    target: 'fulfilled',
    apply: (transaction, order) => releaseOrShip(db, transaction, order, 'fulfil'),
  });
}

/**
 * expireOrder is run by the order workflow's payment timer: an order still `pending_payment`
 * becomes `expired` and its reservation is released; any other order is returned unchanged.
 */
export async function expireOrder(db: Db, input: { orderId: string }): Promise<OrderView> {
  return transition(db, ORDERS, {
    id: input.orderId,
    target: 'expired',
    isDone: (order) => order.status !== 'pending_payment',
    apply: (transaction, order) => releaseOrShip(db, transaction, order, 'release'),
  });
}

/**
 * releaseOrShip locks the order's products (after the order: the lock order) and moves its
 * stock: `release` gives the reservation back, `fulfil` ships it (on hand and reserved drop).
 */
async function releaseOrShip(
  db: Db,
  transaction: Transaction,
  order: OrderView,
  reason: 'release' | 'fulfil',
): Promise<void> {
  await lockProducts(
    db,
    transaction,
    order.lines.map((l) => l.productId),
  );
  await moveStock(db, transaction, { orderId: order.id, reason, lines: order.lines });
}
