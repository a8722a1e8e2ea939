import { defineSearchAttributeKey, type SearchAttributeType } from '@temporalio/common';

/**
 * Search attribute keys registered on the Temporal server (SPEC.md §9), so operators can find
 * "all expired orders of customer X" in the Web UI.
 */

/** CustomerIdKey holds the customer (JWT `sub`) a workflow acts for. */
export const CustomerIdKey = defineSearchAttributeKey('CustomerId', 'KEYWORD');
/** OrderStatusKey holds an order workflow's current order status. */
export const OrderStatusKey = defineSearchAttributeKey('OrderStatus', 'KEYWORD');
/** BookingStatusKey holds a booking workflow's current status. */
export const BookingStatusKey = defineSearchAttributeKey('BookingStatus', 'KEYWORD');
/**
 * PaymentRequestStatusKey holds a payment request's status (SPEC.md §7); with AmountMinor an
 * operator finds "all pending requests over €1,000":
 * `PaymentRequestStatus = "pending_approval" AND AmountMinor > 100000`.
 */
export const PaymentRequestStatusKey = defineSearchAttributeKey('PaymentRequestStatus', 'KEYWORD');
/** AmountMinorKey holds the money a workflow moves, in minor units. */
export const AmountMinorKey = defineSearchAttributeKey('AmountMinor', 'INT');

/** SearchAttributeKey is a key made by defineSearchAttributeKey: `name` and SDK `type`. */
export type SearchAttributeKey = ReturnType<typeof defineSearchAttributeKey<SearchAttributeType>>;

/**
 * SEARCH_ATTRIBUTES is the one list of holdfast's custom search attributes (name and type of each
 * key above). Everything that registers them reads it: the local dev server
 * (tools/stack/local-stack.ts) and `npm run temporal:setup` (scripts/temporal-setup.ts), which
 * docker-compose.yml runs. A workflow upserting a key missing here fails on a fresh server.
 */
export const SEARCH_ATTRIBUTES: readonly SearchAttributeKey[] = [
  CustomerIdKey,
  OrderStatusKey,
  BookingStatusKey,
  PaymentRequestStatusKey,
  AmountMinorKey,
];
