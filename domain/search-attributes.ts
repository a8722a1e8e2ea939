import { defineSearchAttributeKey } from '@temporalio/common';

/**
 * Search attribute keys registered on the Temporal server (SPEC.md §9), so operators can find
 * "all expired orders of customer X" in the Web UI.
 */
export const CustomerIdKey = defineSearchAttributeKey('CustomerId', 'KEYWORD');
/** OrderStatusKey holds an order workflow's current order status. */
export const OrderStatusKey = defineSearchAttributeKey('OrderStatus', 'KEYWORD');
/** BookingStatusKey holds a booking workflow's current status. */
export const BookingStatusKey = defineSearchAttributeKey('BookingStatus', 'KEYWORD');
/** AmountMinorKey holds the money a workflow moves, in minor units. */
export const AmountMinorKey = defineSearchAttributeKey('AmountMinor', 'INT');
