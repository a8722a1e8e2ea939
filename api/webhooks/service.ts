import { randomBytes } from 'node:crypto';
import {
  deleteWebhookEndpoint,
  findWebhookEndpoint,
  insertWebhookEndpoint,
  listWebhookDeliveries,
  patchWebhookEndpoint,
  requeueWebhookDelivery,
  rotateWebhookSecret,
  type EndpointScope,
} from '../../db/webhook-endpoints';
import { DomainError } from '../../domain/errors';
import { assertWebhookUrl } from '../../domain/webhook-rules';
import {
  WEBHOOK_SECRET_BYTES,
  WEBHOOK_SECRET_PREFIX,
  type WebhookDeliveryStatus,
  type WebhookDeliveryView,
  type WebhookEndpointView,
  type WebhookEndpointWithSecret,
} from '../../domain/webhooks';
import type {
  CreateWebhookEndpointBody,
  PatchWebhookEndpointBody,
} from '../../domain/webhooks-schemas';
import type { CreatedAtPosition } from '../../db/paging';
import { wakeDispatcherSignal, webhookTaskQueueOf } from '../../domain/webhook-delivery';
import { workflowIds } from '../../domain/workflow-ids';
import { webhookDispatcherWorkflow } from '../../workflows/webhooks';
import type { AuthUser } from '../middleware/auth';
import type { ApiDeps } from '../router';
import { wakeOrStart } from '../temporal-kit';

/*
 * The webhook-endpoint service (SPEC.md §11): staff manage every endpoint and create ones for
 * all events (seller null); an operator manages its seller's only, and another seller's is
 * 404. An endpoint is a row; its dispatcher `webhook-endpoint-<id>` reads it, and is started
 * or woken whenever an endpoint is created, enabled or asked to redeliver.
 */

/** wakeDispatcher starts or wakes the endpoint's dispatcher (workflows/webhooks.ts). */
async function wakeDispatcher(deps: ApiDeps, endpointId: string): Promise<void> {
  await wakeOrStart(deps.temporal, webhookDispatcherWorkflow, {
    workflowId: workflowIds.webhookEndpoint(endpointId),
    taskQueue: webhookTaskQueueOf(deps.config.taskQueue),
    args: [{ endpointId }],
    signal: wakeDispatcherSignal,
  });
}

/**
 * newWebhookSecret makes a signing secret in the Standard Webhooks format: `whsec_` and the
 * base64 of WEBHOOK_SECRET_BYTES random bytes (what `new Webhook(secret)` takes).
 */
export function newWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(WEBHOOK_SECRET_BYTES).toString('base64')}`;
}

/** scopeOf is the endpoints `user` reaches: its seller's for an operator, all for staff. */
export function scopeOf(user: AuthUser): EndpointScope {
  return user.role === 'operator' ? { sellerId: user.sellerId } : {};
}

/** found returns `endpoint` or throws 404. @throws DomainError `not_found` (404). */
function found<T>(endpoint: T | undefined, id: string): T {
  if (endpoint === undefined) throw new DomainError('not_found', `No webhook endpoint ${id}`);
  return endpoint;
}

/**
 * createWebhookEndpoint checks the URL (WEBHOOK_ALLOW_HTTP, WEBHOOK_ALLOW_PRIVATE) and records
 * the endpoint under `endpointId` with a new secret: staff's for all events, an operator's
 * for its seller's. @returns the endpoint with its secret, shown this once.
 * @throws DomainError `validation_failed` (422) on `url`; nothing is written then.
 */
export async function createWebhookEndpoint(
  deps: ApiDeps,
  input: { user: AuthUser; body: CreateWebhookEndpointBody; endpointId: string },
): Promise<WebhookEndpointWithSecret> {
  const { user, body } = input;
  const url = assertWebhookUrl(body.url, {
    allowHttp: deps.config.webhookAllowHttp,
    allowPrivate: deps.config.webhookAllowPrivate,
  });
  const endpoint = await insertWebhookEndpoint(deps.db, {
    id: input.endpointId,
    url,
    description: body.description ?? null,
    types: body.types,
    sellerId: user.role === 'operator' ? (user.sellerId ?? null) : null,
    createdBy: user.sub,
    secret: newWebhookSecret(),
  });
  await wakeDispatcher(deps, endpoint.id);
  return endpoint;
}

/** visibleWebhookEndpoint reads one endpoint `user` reaches. @throws DomainError `not_found` (404). */
export async function visibleWebhookEndpoint(
  deps: ApiDeps,
  user: AuthUser,
  id: string,
): Promise<WebhookEndpointView> {
  return found(await findWebhookEndpoint(deps.db, id, scopeOf(user)), id);
}

/**
 * updateWebhookEndpoint changes an endpoint's types, description or disabled flag.
 * @throws DomainError `not_found` (404) when `user` reaches no such endpoint.
 */
export async function updateWebhookEndpoint(
  deps: ApiDeps,
  input: { user: AuthUser; id: string; patch: PatchWebhookEndpointBody },
): Promise<WebhookEndpointView> {
  const { user, id, patch } = input;
  const endpoint = found(await patchWebhookEndpoint(deps.db, id, scopeOf(user), patch), id);
  if (!endpoint.disabled) await wakeDispatcher(deps, endpoint.id);
  return endpoint;
}

/**
 * removeWebhookEndpoint deletes an endpoint and its deliveries. @returns it as it was.
 * @throws DomainError `not_found` (404) when `user` reaches no such endpoint.
 */
export async function removeWebhookEndpoint(
  deps: ApiDeps,
  user: AuthUser,
  id: string,
): Promise<WebhookEndpointView> {
  return found(await deleteWebhookEndpoint(deps.db, id, scopeOf(user)), id);
}

/**
 * rotateSecret gives an endpoint a new signing secret; the old one stops at once.
 * @returns the endpoint with the new secret, shown this once.
 * @throws DomainError `not_found` (404) when `user` reaches no such endpoint.
 */
export async function rotateSecret(
  deps: ApiDeps,
  user: AuthUser,
  id: string,
): Promise<WebhookEndpointWithSecret> {
  return found(await rotateWebhookSecret(deps.db, id, scopeOf(user), newWebhookSecret()), id);
}

/**
 * endpointDeliveries lists the deliveries of an endpoint `user` reaches, newest first.
 * @throws DomainError `not_found` (404) when `user` reaches no such endpoint.
 */
export async function endpointDeliveries(
  deps: ApiDeps,
  input: { user: AuthUser; id: string; status?: WebhookDeliveryStatus; limit: number },
  after: CreatedAtPosition | undefined,
): Promise<WebhookDeliveryView[]> {
  const { user, id, status, limit } = input;
  found(await findWebhookEndpoint(deps.db, id, scopeOf(user)), id);
  return listWebhookDeliveries(deps.db, { endpointId: id, status, limit, after });
}

/**
 * redeliver sends one of an endpoint's deliveries again: pending and due now, whatever its
 * status, and the dispatcher is woken (SPEC.md §11). The receiver sees the same `webhook-id`.
 * @throws DomainError `not_found` (404) for an endpoint `user` does not reach or a delivery it
 *   does not have.
 */
export async function redeliver(
  deps: ApiDeps,
  input: { user: AuthUser; id: string; deliveryId: string },
): Promise<WebhookDeliveryView> {
  const { user, id, deliveryId } = input;
  found(await findWebhookEndpoint(deps.db, id, scopeOf(user)), id);
  const delivery = await requeueWebhookDelivery(deps.db, { endpointId: id, deliveryId });
  if (!delivery) throw new DomainError('not_found', `Delivery ${deliveryId} does not exist`);
  await wakeDispatcher(deps, id);
  return delivery;
}
