/**
 * Every workflow holdfast runs, exported for the worker's `workflowsPath` and for clients. One
 * file per domain: orders.ts, order-gate.ts, ledger.ts, staff-payments.ts, bookings.ts,
 * payment-requests.ts, order-failures.ts, retention.ts, webhooks.ts; kit.ts holds what they share.
 */
export { orderWorkflow, orderPaymentWorkflow } from './orders';
export { orderGateWorkflow } from './order-gate';
export { transferWorkflow, holdWorkflow } from './ledger';
export { staffPaymentWorkflow } from './staff-payments';
export { bookingWorkflow, bookingPaymentWorkflow } from './bookings';
export { paymentRequestWorkflow } from './payment-requests';
export { orderFailuresCleanupWorkflow } from './order-failures';
export { retentionWorkflow } from './retention';
export { webhookDispatcherWorkflow } from './webhooks';
