import type { EventSubjectType, EventType, EventView } from '../domain/events';
import type { Db } from './connection';
import type { EventPosition } from './events';
import { execute, query } from './transaction';

/*
 * The dispatcher's SQL (SPEC.md §11 "Delivery"): which events an endpoint gets, its pending
 * deliveries and what each attempt left. Events are read below the snapshot's xmin in
 * (txid, id) order, as the feed reads them (db/events.ts), so none is passed over.
 */

/** DispatchEndpoint is what the dispatcher reads of an endpoint, its secret included. */
export interface DispatchEndpoint {
  id: string;
  url: string;
  secret: string;
  types: EventType[];
  sellerId: string | null;
  disabled: boolean;
  /** eventsFrom is the outbox horizon when it was made: events of transactions ≥ it are its. */
  eventsFrom: string;
}

/** findDispatchEndpoint reads an endpoint for delivery, or undefined once it is deleted. */
export async function findDispatchEndpoint(
  db: Db,
  endpointId: string,
): Promise<DispatchEndpoint | undefined> {
  const [row] = await query<{
    id: string;
    url: string;
    secret: string;
    types: EventType[];
    seller_id: string | null;
    disabled: boolean;
    events_from: string;
  }>(
    db,
    `SELECT id, url, secret, types, seller_id, disabled, events_from::text AS events_from
     FROM webhook_endpoints WHERE id = $1`,
    [endpointId],
  );
  if (!row) return undefined;
  const { seller_id: sellerId, events_from: eventsFrom, ...rest } = row;
  return { ...rest, sellerId, eventsFrom };
}

/** QueuedDeliveries is how far queueing read the outbox and whether more may wait there. */
export interface QueuedDeliveries {
  position: EventPosition;
  queued: number;
  more: boolean;
}

/**
 * queueNewDeliveries reads up to `limit` settled events after `after`, never from before the
 * endpoint's `eventsFrom` (its creation, or its last re-enabling), and queues a pending delivery for each the endpoint wants: its
 * types, and its seller's for an operator's endpoint. A repeat queues nothing twice.
 */
export async function queueNewDeliveries(
  db: Db,
  endpoint: DispatchEndpoint,
  input: { after?: EventPosition; limit: number },
): Promise<QueuedDeliveries> {
  const start = startOf(endpoint);
  const after = input.after && !isBefore(input.after, start) ? input.after : start;
  const rows = await query<{ id: string; txid: string; wanted: boolean }>(
    db,
    `SELECT id, txid::text AS txid,
       type = ANY($4::text[]) AND ($5::uuid IS NULL OR seller_ids @> ARRAY[$5::uuid]) AS wanted
     FROM events WHERE txid < pg_snapshot_xmin(pg_current_snapshot())
       AND (txid, id) > ($1::xid8, $2::uuid)
     ORDER BY events.txid, events.id LIMIT $3`,
    [after.txid, after.id, input.limit, endpoint.types, endpoint.sellerId],
  );
  const wanted = rows.filter((r) => r.wanted).map((r) => r.id);
  if (wanted.length > 0) {
    await execute(
      db,
      `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, status, next_attempt_at)
       SELECT gen_random_uuid(), $1, e, 'pending', now() FROM unnest($2::uuid[]) AS e
       ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
      [endpoint.id, wanted],
    );
  }
  const last = rows.at(-1);
  return {
    position: last ? { txid: last.txid, id: last.id } : after,
    queued: wanted.length,
    more: rows.length === input.limit,
  };
}

/** isBefore tells whether position `a` comes before `b` in (txid, id) order. */
function isBefore(a: EventPosition, b: EventPosition): boolean {
  const [ta, tb] = [BigInt(a.txid), BigInt(b.txid)];
  return ta < tb || (ta === tb && a.id < b.id);
}

/** startOf is the position just before the endpoint's first event (its `eventsFrom`). */
function startOf(endpoint: DispatchEndpoint): EventPosition {
  const txid = (BigInt(endpoint.eventsFrom) - 1n).toString();
  return { txid, id: 'ffffffff-ffff-ffff-ffff-ffffffffffff' };
}

/** DueDelivery is a pending delivery whose attempt is due, with the event it carries. */
export interface DueDelivery {
  id: string;
  attempts: number;
  createdAt: Date;
  event: EventView;
}

/** dueDeliveries reads up to `limit` of the endpoint's pending deliveries due now, oldest first. */
export async function dueDeliveries(
  db: Db,
  endpointId: string,
  limit: number,
): Promise<DueDelivery[]> {
  const rows = await query<{
    id: string;
    attempts: number;
    created_at: Date;
    event_id: string;
    type: EventType;
    sequence: number;
    subject_type: EventSubjectType;
    subject_id: string;
    customer_id: string | null;
    seller_ids: string[];
    data: unknown;
    occurred_at: Date;
  }>(
    db,
    `SELECT d.id, d.attempts, d.created_at, e.id AS event_id, e.type, e.sequence, e.subject_type,
       e.subject_id, e.customer_id, e.seller_ids, e.data, e.occurred_at
     FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
     WHERE d.endpoint_id = $1 AND d.status = 'pending' AND d.next_attempt_at <= now()
     ORDER BY d.next_attempt_at, d.id LIMIT $2`,
    [endpointId, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    attempts: r.attempts,
    createdAt: r.created_at,
    event: {
      id: r.event_id,
      type: r.type,
      occurredAt: r.occurred_at.toISOString(),
      sequence: r.sequence,
      subject: { type: r.subject_type, id: r.subject_id },
      ...(r.customer_id ? { customerId: r.customer_id } : {}),
      ...(r.seller_ids.length === 1 ? { sellerId: r.seller_ids[0] } : {}),
      data: r.data,
    },
  }));
}

/** AttemptOutcome is what one delivery attempt left: delivered, retry at a time, or failed. */
export interface AttemptOutcome {
  deliveryId: string;
  endpointId: string;
  status: 'delivered' | 'pending' | 'failed';
  statusCode: number | null;
  error: string | null;
  nextAttemptAt: Date | null;
}

/**
 * recordAttempts stores one pass's outcomes (in the order they finished) in one statement,
 * skipping a delivery no longer pending. Failed deliveries after the pass's last delivered one
 * extend the endpoint's run of failures (a delivered one ends it); at `failuresToDisable`
 * (SPEC.md §11) the endpoint is disabled, saying why. The endpoint row is written only on change.
 */
export async function recordAttempts(
  db: Db,
  endpointId: string,
  outcomes: AttemptOutcome[],
  failuresToDisable: number,
): Promise<void> {
  if (outcomes.length === 0) return;
  await execute(db, RECORD_ATTEMPTS_SQL, [
    endpointId,
    outcomes.map((o) => o.deliveryId),
    outcomes.map((o) => o.status),
    outcomes.map((o) => o.statusCode),
    outcomes.map((o) => o.error),
    outcomes.map((o) => o.nextAttemptAt?.toISOString() ?? null),
    failuresToDisable,
  ]);
}

/** RECORD_ATTEMPTS_SQL is recordAttempts' statement: $2… are arrays in finishing order. */
const RECORD_ATTEMPTS_SQL = `
  WITH o AS (
    SELECT * FROM unnest($2::uuid[], $3::text[], $4::int[], $5::text[], $6::timestamptz[])
      WITH ORDINALITY AS o(id, status, code, error, next_at, ord)),
  d AS (
    UPDATE webhook_deliveries d SET status = o.status, attempts = d.attempts + 1,
      last_status_code = o.code, last_error = o.error, next_attempt_at = o.next_at,
      updated_at = now()
    FROM o WHERE d.id = o.id AND d.endpoint_id = $1 AND d.status = 'pending'
    RETURNING o.ord, o.status),
  run AS (
    SELECT bool_or(status = 'delivered') AS reset,
      count(*) FILTER (WHERE status = 'failed' AND ord > coalesce(
        (SELECT max(ord) FROM d WHERE status = 'delivered'), 0)) AS failed
    FROM d),
  next AS (
    SELECT w.id, w.disabled,
      CASE WHEN run.reset THEN run.failed ELSE w.consecutive_failures + run.failed END AS n
    FROM webhook_endpoints w, run WHERE w.id = $1)
  UPDATE webhook_endpoints w SET consecutive_failures = next.n,
    disabled = w.disabled OR next.n >= $7,
    disabled_reason = CASE WHEN NOT w.disabled AND next.n >= $7
      THEN ($7 || ' deliveries failed in a row') ELSE w.disabled_reason END,
    updated_at = now()
  FROM next WHERE w.id = next.id
    AND (w.consecutive_failures <> next.n OR (NOT w.disabled AND next.n >= $7))`;

/** nextDueInMs is how long until the endpoint's next pending delivery is due, if it has one. */
export async function nextDueInMs(db: Db, endpointId: string): Promise<number | null> {
  const [row] = await query<{ ms: string | null }>(
    db,
    `SELECT ceil(extract(epoch FROM min(next_attempt_at) - now()) * 1000)::text AS ms
     FROM webhook_deliveries WHERE endpoint_id = $1 AND status = 'pending'`,
    [endpointId],
  );
  return row?.ms === null || row?.ms === undefined ? null : Math.max(0, Number(row.ms));
}
