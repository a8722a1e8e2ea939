import type { Db } from './connection';
import { beforePosition, newestFirst, type CreatedAtPosition } from './paging';
import { execute, query } from './transaction';
import {
  MANUALLY_DISABLED,
  type WebhookDeliveryStatus,
  type WebhookDeliveryView,
  type WebhookEndpointView,
  type WebhookEndpointWithSecret,
  type WebhookEventType,
} from '../domain/webhooks';

/*
 * Webhook-endpoint queries (SPEC.md §11): the registry the API writes and the delivery
 * dispatcher reads, and the deliveries list. Every read and write of one endpoint takes the
 * caller's scope: `sellerId` set (an operator) matches only that seller's endpoints, so
 * another seller's is "not there" (404); unset (staff) matches every endpoint.
 */

/** WebhookEndpointRow is a `webhook_endpoints` row as read here (secret only where asked). */
interface WebhookEndpointRow {
  id: string;
  url: string;
  description: string | null;
  types: WebhookEventType[];
  seller_id: string | null;
  disabled: boolean;
  disabled_reason: string | null;
  created_at: Date;
  updated_at: Date;
  secret?: string;
}

/** ENDPOINT_COLUMNS are the columns of a WebhookEndpointView: never the secret. */
const ENDPOINT_COLUMNS = `id, url, description, types, seller_id, disabled, disabled_reason,
  created_at, updated_at`;

/** toWebhookEndpointView maps a row to the API shape, leaving the secret out. */
function toWebhookEndpointView(row: WebhookEndpointRow): WebhookEndpointView {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    types: row.types,
    sellerId: row.seller_id,
    disabled: row.disabled,
    disabledReason: row.disabled_reason,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** withSecret maps a row read with its secret to the create / rotate answer. */
function withSecret(row: WebhookEndpointRow): WebhookEndpointWithSecret {
  return { ...toWebhookEndpointView(row), secret: row.secret ?? '' };
}

/** EndpointScope is whose endpoints a caller reaches: one seller's (operator), or all (staff). */
export interface EndpointScope {
  sellerId?: string;
}

/** scoped adds `id = …` and, for an operator, `seller_id = …` to `where`, binding the values. */
function scoped(id: string, scope: EndpointScope, where: string[], bind: unknown[]): void {
  bind.push(id);
  where.push(`id = $${bind.length}`);
  if (scope.sellerId !== undefined) {
    bind.push(scope.sellerId);
    where.push(`seller_id = $${bind.length}`);
  }
}

/** NewWebhookEndpoint is a checked endpoint to record (its URL already normalised). */
export interface NewWebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  types: WebhookEventType[];
  /** sellerId is the operator's seller; null for a staff endpoint. */
  sellerId: string | null;
  createdBy: string;
  secret: string;
}

/**
 * insertWebhookEndpoint records an endpoint and returns it with its secret. The id is the
 * request's resource id: inserting it again (a retried request) changes nothing and returns
 * the row the first insert made.
 */
export async function insertWebhookEndpoint(
  db: Db,
  input: NewWebhookEndpoint,
): Promise<WebhookEndpointWithSecret> {
  await execute(
    db,
    `INSERT INTO webhook_endpoints (id, url, description, types, seller_id, created_by, secret)
     VALUES ($1, $2, $3, $4::text[], $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
    [
      input.id,
      input.url,
      input.description,
      input.types,
      input.sellerId,
      input.createdBy,
      input.secret,
    ],
  );
  const rows = await query<WebhookEndpointRow>(
    db,
    `SELECT ${ENDPOINT_COLUMNS}, secret FROM webhook_endpoints WHERE id = $1`,
    [input.id],
  );
  if (!rows[0]) throw new Error(`webhook endpoint ${input.id} vanished after insert`);
  return withSecret(rows[0]);
}

/** findWebhookEndpoint reads one endpoint within `scope`, or undefined. */
export async function findWebhookEndpoint(
  db: Db,
  id: string,
  scope: EndpointScope,
): Promise<WebhookEndpointView | undefined> {
  const where: string[] = [];
  const bind: unknown[] = [];
  scoped(id, scope, where, bind);
  const rows = await query<WebhookEndpointRow>(
    db,
    `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE ${where.join(' AND ')}`,
    bind,
  );
  return rows[0] ? toWebhookEndpointView(rows[0]) : undefined;
}

/** ListWebhookEndpointsInput pages through the endpoints of a scope, newest first. */
export interface ListWebhookEndpointsInput extends EndpointScope {
  limit: number;
  /** after is the (createdAt, id) of the last endpoint of the previous page. */
  after?: CreatedAtPosition;
}

/** listWebhookEndpoints returns up to `limit` endpoints of the scope, newest first. */
export async function listWebhookEndpoints(
  db: Db,
  input: ListWebhookEndpointsInput,
): Promise<WebhookEndpointView[]> {
  const where: string[] = [];
  const bind: unknown[] = [];
  if (input.sellerId !== undefined) {
    bind.push(input.sellerId);
    where.push(`w.seller_id = $${bind.length}`);
  }
  if (input.after) beforePosition('w', input.after, where, bind);
  bind.push(input.limit);
  const sql = `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints w
    ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ${newestFirst('w')} LIMIT $${bind.length}`;
  return (await query<WebhookEndpointRow>(db, sql, bind)).map(toWebhookEndpointView);
}

/** WebhookEndpointPatch is what a PATCH changes; description null clears it. */
export interface WebhookEndpointPatch {
  types?: WebhookEventType[];
  disabled?: boolean;
  description?: string | null;
}

/**
 * patchWebhookEndpoint applies `patch` to one endpoint within `scope` and returns it, or
 * undefined when there is none. Disabling keeps an earlier reason (the dispatcher's) or
 * says MANUALLY_DISABLED; enabling clears the reason and the count of failures in a row,
 * and starts its deliveries from the events that commit from then on.
 */
export async function patchWebhookEndpoint(
  db: Db,
  id: string,
  scope: EndpointScope,
  patch: WebhookEndpointPatch,
): Promise<WebhookEndpointView | undefined> {
  const bind: unknown[] = [];
  const set = ['updated_at = now()'];
  const assign = (column: string, value: unknown, cast = '') => {
    bind.push(value);
    set.push(`${column} = $${bind.length}${cast}`);
  };
  if (patch.types !== undefined) assign('types', patch.types, '::text[]');
  if (patch.description !== undefined) assign('description', patch.description);
  if (patch.disabled === true) {
    bind.push(MANUALLY_DISABLED);
    set.push(`disabled = true, disabled_reason = CASE WHEN disabled THEN disabled_reason
      ELSE $${bind.length} END`);
  }
  if (patch.disabled === false)
    // Enabled again, it gets what commits from now on, not what it missed while disabled.
    set.push(`disabled = false, disabled_reason = NULL, consecutive_failures = 0,
      events_from = CASE WHEN disabled THEN pg_snapshot_xmin(pg_current_snapshot())
        ELSE events_from END`);
  const where: string[] = [];
  scoped(id, scope, where, bind);
  const rows = await execute<WebhookEndpointRow>(
    db,
    `UPDATE webhook_endpoints SET ${set.join(', ')} WHERE ${where.join(' AND ')}
     RETURNING ${ENDPOINT_COLUMNS}`,
    bind,
  );
  return rows[0] ? toWebhookEndpointView(rows[0]) : undefined;
}

/**
 * deleteWebhookEndpoint deletes one endpoint within `scope` (its deliveries with it) and
 * returns it as it was, or undefined when there is none.
 */
export async function deleteWebhookEndpoint(
  db: Db,
  id: string,
  scope: EndpointScope,
): Promise<WebhookEndpointView | undefined> {
  const where: string[] = [];
  const bind: unknown[] = [];
  scoped(id, scope, where, bind);
  const rows = await execute<WebhookEndpointRow>(
    db,
    `DELETE FROM webhook_endpoints WHERE ${where.join(' AND ')} RETURNING ${ENDPOINT_COLUMNS}`,
    bind,
  );
  return rows[0] ? toWebhookEndpointView(rows[0]) : undefined;
}

/**
 * rotateWebhookSecret replaces one endpoint's signing secret within `scope` and returns the
 * endpoint with the new one, or undefined when there is none. The old secret stops at once.
 */
export async function rotateWebhookSecret(
  db: Db,
  id: string,
  scope: EndpointScope,
  secret: string,
): Promise<WebhookEndpointWithSecret | undefined> {
  const bind: unknown[] = [secret];
  const where: string[] = [];
  scoped(id, scope, where, bind);
  const rows = await execute<WebhookEndpointRow>(
    db,
    `UPDATE webhook_endpoints SET secret = $1, updated_at = now() WHERE ${where.join(' AND ')}
     RETURNING ${ENDPOINT_COLUMNS}, secret`,
    bind,
  );
  return rows[0] ? withSecret(rows[0]) : undefined;
}

/** WebhookDeliveryRow is a `webhook_deliveries` row with its event's type, while kept. */
interface WebhookDeliveryRow {
  id: string;
  event_id: string;
  event_type: string | null;
  status: WebhookDeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: Date | null;
  created_at: Date;
}

/** toWebhookDeliveryView maps a row to the API shape (eventType absent once the event is gone). */
function toWebhookDeliveryView(row: WebhookDeliveryRow): WebhookDeliveryView {
  return {
    id: row.id,
    eventId: row.event_id,
    ...(row.event_type === null ? {} : { eventType: row.event_type }),
    status: row.status,
    attempts: row.attempts,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    nextAttemptAt: row.next_attempt_at ? row.next_attempt_at.toISOString() : null,
    createdAt: row.created_at.toISOString(),
  };
}

/** ListWebhookDeliveriesInput pages through one endpoint's deliveries, newest first. */
export interface ListWebhookDeliveriesInput {
  endpointId: string;
  status?: WebhookDeliveryStatus;
  limit: number;
  /** after is the (createdAt, id) of the last delivery of the previous page. */
  after?: CreatedAtPosition;
}

/** listWebhookDeliveries returns up to `limit` deliveries of one endpoint, newest first. */
export async function listWebhookDeliveries(
  db: Db,
  input: ListWebhookDeliveriesInput,
): Promise<WebhookDeliveryView[]> {
  const bind: unknown[] = [input.endpointId];
  const where = ['d.endpoint_id = $1'];
  if (input.status) {
    bind.push(input.status);
    where.push(`d.status = $${bind.length}`);
  }
  if (input.after) beforePosition('d', input.after, where, bind);
  bind.push(input.limit);
  const sql = `SELECT d.id, d.event_id, e.type AS event_type, d.status, d.attempts,
      d.last_status_code, d.last_error, d.next_attempt_at, d.created_at
    FROM webhook_deliveries d LEFT JOIN events e ON e.id = d.event_id
    WHERE ${where.join(' AND ')} ${newestFirst('d')} LIMIT $${bind.length}`;
  return (await query<WebhookDeliveryRow>(db, sql, bind)).map(toWebhookDeliveryView);
}

/**
 * requeueWebhookDelivery makes one of the endpoint's deliveries pending and due now (a
 * redelivery, SPEC.md §11), whatever it was, and returns it; undefined when there is none.
 */
export async function requeueWebhookDelivery(
  db: Db,
  input: { endpointId: string; deliveryId: string },
): Promise<WebhookDeliveryView | undefined> {
  const [row] = await execute<WebhookDeliveryRow>(
    db,
    `WITH d AS (
       UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), updated_at = now()
       WHERE id = $1 AND endpoint_id = $2
       RETURNING id, event_id, status, attempts, last_status_code, last_error, next_attempt_at,
         created_at)
     SELECT d.*, e.type AS event_type FROM d LEFT JOIN events e ON e.id = d.event_id`,
    [input.deliveryId, input.endpointId],
  );
  return row ? toWebhookDeliveryView(row) : undefined;
}
