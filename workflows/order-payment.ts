import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { OrderView } from '../domain/order';
import { DB_ACTIVITY_OPTIONS } from './common';

const { payOrder } = proxyActivities<Activities>(DB_ACTIVITY_OPTIONS);

/** OrderPaymentInput names the order to pay and the wallet to debit. */
export interface OrderPaymentInput {
  orderId: string;
  accountId: string;
  actorId: string;
}

/**
 * orderPaymentWorkflow (`order-<id>-payment`) pays an order once: its ledger transfer ID is
 * its own workflow ID (SPEC.md §4), so retries and duplicate runs debit the wallet once. A
 * refusal (insufficient funds …) fails this run, and a later run with the same ID may retry.
 */
export async function orderPaymentWorkflow(input: OrderPaymentInput): Promise<OrderView> {
  return payOrder({ ...input, transferId: workflowInfo().workflowId });
}
