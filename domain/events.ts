import { v5 as uuidv5 } from 'uuid';
import { HOLDFAST_NAMESPACE } from './ids';

/*
 * The events of SPEC.md §11: one per state change, written in the change's transaction
 * (db/events.ts) and read by the feed (`GET /v1/events`) and the webhook dispatcher.
 */

/** EVENT_TYPES lists every event type of SPEC.md §11, `<subject>.<change>`. */
export const EVENT_TYPES = [
  'order.placed',
  'order.paid',
  'order.cancelled',
  'order.expired',
  'order.fulfilled',
  'booking.reserved',
  'booking.confirmed',
  'booking.cancelled',
  'booking.expired',
  'booking.completed',
  'transfer.posted',
  'hold.posted',
  'hold.voided',
  'payment_request.created',
  'payment_request.approved',
  'payment_request.rejected',
  'payment_request.paid',
  'payment_request.payout_failed',
  'payment_request.expired',
] as const;

/** EventType is one of EVENT_TYPES. */
export type EventType = (typeof EVENT_TYPES)[number];

/** EventSubjectType is the kind of resource an event is about. */
export type EventSubjectType = 'order' | 'booking' | 'transfer' | 'hold' | 'payment_request';

/** EventView is one event as the feed and the webhooks carry it (SPEC.md §11). */
export interface EventView {
  id: string;
  type: EventType;
  occurredAt: string;
  /** sequence counts the events of one subject from 1, so a receiver can drop a stale one. */
  sequence: number;
  subject: { type: EventSubjectType; id: string };
  customerId?: string;
  sellerId?: string;
  /** data is the subject as its GET returns it right after the change. */
  data: unknown;
}

/**
 * eventIdOf derives an event's id from its subject and type: each subject reaches each type at
 * most once, so a retried transaction names the same event and writes it once (SPEC.md §11).
 */
export function eventIdOf(subject: { type: EventSubjectType; id: string }, type: EventType) {
  return uuidv5(`event:${subject.type}:${subject.id}:${type}`, HOLDFAST_NAMESPACE);
}

/** isEventType tells whether `type` is one of EVENT_TYPES. */
export function isEventType(type: string): type is EventType {
  return (EVENT_TYPES as readonly string[]).includes(type);
}
