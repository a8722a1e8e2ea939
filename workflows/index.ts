/**
 * Every workflow holdfast runs, exported for the worker's `workflowsPath` and for clients.
 */
export { orderWorkflow } from './order';
export { orderPaymentWorkflow } from './order-payment';
export { transferWorkflow } from './transfer';
export { holdWorkflow } from './hold';
export { paymentWorkflow } from './payment';
