import { z } from 'zod';
import { EVENT_TYPES, WEBHOOK_DELIVERY_STATUSES } from './webhooks';
import { pageQuerySchema, withoutNul } from './schemas';

/*
 * Request schemas of the webhook-endpoint API (SPEC.md §11), apart from the contract so
 * workflow code never loads zod. The URL's scheme and address are configuration
 * (WEBHOOK_ALLOW_HTTP, WEBHOOK_ALLOW_PRIVATE) and are checked by the service
 * (domain/webhook-rules.ts assertWebhookUrl).
 */

/** WEBHOOK_URL_CHARS_MAX bounds an endpoint URL. */
export const WEBHOOK_URL_CHARS_MAX = 2048;

/** WEBHOOK_DESCRIPTION_CHARS_MAX bounds an endpoint's description. */
export const WEBHOOK_DESCRIPTION_CHARS_MAX = 500;

const urlSchema = withoutNul(z.string().trim().min(1).max(WEBHOOK_URL_CHARS_MAX));

/** typesSchema is a non-empty list of EVENT_TYPES; repeated types are kept once, in order. */
const typesSchema = z
  .array(z.enum(EVENT_TYPES))
  .min(1)
  .max(EVENT_TYPES.length * 4)
  .transform((types) => [...new Set(types)]);

const descriptionSchema = withoutNul(z.string().trim().max(WEBHOOK_DESCRIPTION_CHARS_MAX));

/** createWebhookEndpointBodySchema is the body of POST /v1/webhook-endpoints. */
export const createWebhookEndpointBodySchema = z
  .object({ url: urlSchema, types: typesSchema, description: descriptionSchema.optional() })
  .strict();

/** CreateWebhookEndpointBody is a validated POST /v1/webhook-endpoints body. */
export type CreateWebhookEndpointBody = z.infer<typeof createWebhookEndpointBodySchema>;

/**
 * patchWebhookEndpointBodySchema is the body of PATCH /v1/webhook-endpoints/:id: at least one
 * of `types`, `disabled`, `description` (null clears it).
 */
export const patchWebhookEndpointBodySchema = z
  .object({
    types: typesSchema.optional(),
    disabled: z.boolean().optional(),
    description: descriptionSchema.nullable().optional(),
  })
  .strict()
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    message: 'name at least one of types, disabled, description',
  });

/** PatchWebhookEndpointBody is a validated PATCH /v1/webhook-endpoints/:id body. */
export type PatchWebhookEndpointBody = z.infer<typeof patchWebhookEndpointBodySchema>;

/** listWebhookDeliveriesQuerySchema pages GET /v1/webhook-endpoints/:id/deliveries, by status. */
export const listWebhookDeliveriesQuerySchema = pageQuerySchema.extend({
  status: z.enum(WEBHOOK_DELIVERY_STATUSES).optional(),
});
