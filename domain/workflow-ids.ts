/**
 * Workflow IDs, one per business fact (SPEC.md §1 "Workflow IDs"). Pure string functions so
 * workflow code can import them.
 */
export const workflowIds = {
  /** order is the long-lived workflow of one order: `order-<orderId>`. */
  order: (orderId: string) => `order-${orderId}`,
  /** orderPayment is the child workflow that debits the wallet once: `order-<orderId>-payment`. */
  orderPayment: (orderId: string) => `order-${orderId}-payment`,
  /** customerOrders is the per-customer order gate: `customer-<customerId>-orders`. */
  customerOrders: (customerId: string) => `customer-${customerId}-orders`,
  /** transfer is one ledger transfer or hold: `transfer-<transferId>`. */
  transfer: (transferId: string) => `transfer-${transferId}`,
  /** booking is the long-lived workflow of one seat booking or stay: `booking-<bookingId>`. */
  booking: (bookingId: string) => `booking-${bookingId}`,
  /** bookingPayment is the child workflow that pays a booking once: `booking-<bookingId>-payment`. */
  bookingPayment: (bookingId: string) => `booking-${bookingId}-payment`,
  /** paymentRequestApproval decides one payment request (SPEC.md §7): `payment-request-<id>-approval`. */
  paymentRequestApproval: (id: string) => `payment-request-${id}-approval`,
  /** staffPayment completes one staff payment (SPEC.md §5): `payment-<paymentId>`. */
  staffPayment: (paymentId: string) => `payment-${paymentId}`,
  /** webhookEndpoint is the endpoint's dispatcher, which delivers its events (SPEC.md §11). */
  webhookEndpoint: (endpointId: string) => `webhook-endpoint-${endpointId}`,
} as const;

/**
 * ledgerTransferIds names the ledger transfers that flows post. A transfer's ID is its
 * workflow's ID where one workflow posts one transfer (SPEC.md §4), so a retried post finds
 * the first one's row.
 */
export const ledgerTransferIds = {
  orderPayment: (orderId: string) => workflowIds.orderPayment(orderId),
  orderRefund: (orderId: string) => `order-${orderId}-refund`,
  bookingPayment: (bookingId: string) => workflowIds.bookingPayment(bookingId),
  bookingRefund: (bookingId: string) => `booking-${bookingId}-refund`,
  paymentRequestPayout: (id: string) => `payment-request-${id}-payout`,
} as const;

/** TASK_QUEUE is the default task queue of holdfast's workers. */
export const TASK_QUEUE = 'holdfast';
