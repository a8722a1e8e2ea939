import { EVENT_TYPES, type EventType } from './events';

/*
 * The webhook endpoints of SPEC.md §11: the registry the delivery dispatcher reads (which
 * endpoint wants which events, with which signing secret) and the deliveries it records.
 * Safe to import from workflows: no Node built-ins, no zod.
 */

/**
 * EVENT_TYPES are the types an endpoint may subscribe to: every event of SPEC.md §11, one
 * list shared with the outbox (domain/events.ts), so a new event type is subscribable at once.
 */
export { EVENT_TYPES };

/** WebhookEventType is one of EVENT_TYPES. */
export type WebhookEventType = EventType;

/** WebhookEndpointView is an endpoint as the API returns it: never its secret. */
export interface WebhookEndpointView {
  id: string;
  url: string;
  description: string | null;
  types: WebhookEventType[];
  /** sellerId is the operator's seller whose events it gets; null: a staff endpoint (all events). */
  sellerId: string | null;
  disabled: boolean;
  /** disabledReason says who or what disabled it (a PATCH, or the dispatcher after failures). */
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
}

/** WebhookEndpointWithSecret is the answer of create and rotate-secret: the one time it is shown. */
export type WebhookEndpointWithSecret = WebhookEndpointView & { secret: string };

/** WEBHOOK_DELIVERY_STATUSES are a delivery's statuses: retried while pending, then final. */
export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;

/** WebhookDeliveryStatus is one of WEBHOOK_DELIVERY_STATUSES. */
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** WebhookDeliveryView is one event's delivery to one endpoint (SPEC.md §11 deliveries list). */
export interface WebhookDeliveryView {
  id: string;
  eventId: string;
  /** eventType is the event's type while the event is kept (retention may delete it first). */
  eventType?: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
}

/** WEBHOOK_SECRET_PREFIX starts every signing secret (Standard Webhooks: `whsec_` + base64). */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** WEBHOOK_SECRET_BYTES is the length of a signing secret's random key (24–64 are accepted). */
export const WEBHOOK_SECRET_BYTES = 32;

/** MANUALLY_DISABLED is the disabledReason of an endpoint disabled by a PATCH. */
export const MANUALLY_DISABLED = 'disabled by request (PATCH)';
