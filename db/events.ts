import type { Transaction } from 'sequelize';
import type { EventSubjectType, EventType, EventView } from '../domain/events';
import { eventIdOf } from '../domain/events';
import type { Db } from './connection';
import { execute, query } from './transaction';

/*
 * The outbox of SPEC.md §11. recordEvent writes inside the change's own transaction, so a
 * rolled-back change leaves no event and a committed one always has its event. The feed reads
 * in (txid, id) order, only below the reading snapshot's xmin: every transaction with a lower
 * id has ended there, so no event can still appear behind a cursor (a later one may commit
 * first). A long transaction elsewhere delays the feed; it never makes it skip.
 */

/** NewEvent is one state change to record; `data` is the subject as its GET returns it. */
export interface NewEvent {
  type: EventType;
  subject: { type: EventSubjectType; id: string };
  /** customerIds see the event (the first is its `customerId`); nulls are system accounts. */
  customerIds: readonly (string | null | undefined)[];
  sellerIds: readonly string[];
  data: unknown;
}

/**
 * recordEvent writes one event in `transaction`, numbered after the subject's last one. The
 * caller holds the subject's row lock, so its events never race; a retry writes nothing new.
 */
export async function recordEvent(db: Db, transaction: Transaction, event: NewEvent) {
  const customers = [...new Set(event.customerIds.filter((id): id is string => !!id))];
  const sellers = [...new Set(event.sellerIds)];
  await execute(
    db,
    `INSERT INTO events (id, type, subject_type, subject_id, sequence, customer_id, customer_ids,
       seller_ids, data)
     SELECT $1, $2, $3, $4, COALESCE(max(sequence), 0) + 1, $5, $6::uuid[], $7::uuid[], $8::jsonb
     FROM events WHERE subject_type = $3 AND subject_id = $4
     ON CONFLICT (id) DO NOTHING`,
    [
      eventIdOf(event.subject, event.type),
      event.type,
      event.subject.type,
      event.subject.id,
      customers[0] ?? null,
      customers,
      sellers,
      JSON.stringify(event.data),
    ],
    transaction,
  );
}

/** EventPosition is where a feed reader stopped: the last event's transaction id and id. */
export type EventPosition = { txid: string; id: string };

/** ListEventsInput reads the feed after `after`, narrowed by type, subject and who sees it. */
export interface ListEventsInput {
  after?: EventPosition;
  limit: number;
  type?: EventType;
  subjectId?: string;
  /** customerId: only events this customer sees; sellerId: only this seller's. */
  customerId?: string;
  sellerId?: string;
}

/** EventRow is an `events` row as the feed selects it. */
interface EventRow {
  id: string;
  type: EventType;
  subject_type: EventSubjectType;
  subject_id: string;
  sequence: number;
  customer_id: string | null;
  seller_ids: string[];
  data: unknown;
  occurred_at: Date;
  txid: string;
}

/** FeedPage is one page of the feed and the position after its last event. */
export interface FeedPage {
  items: EventView[];
  positions: EventPosition[];
}

/** listEvents reads up to `limit` settled events after `after`, in commit-safe order. */
export async function listEvents(db: Db, input: ListEventsInput): Promise<FeedPage> {
  const where = ['txid < pg_snapshot_xmin(pg_current_snapshot())'];
  const params: unknown[] = [];
  const add = (sql: (at: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (input.after) {
    params.push(input.after.txid, input.after.id);
    where.push(`(txid, id) > ($${params.length - 1}::xid8, $${params.length}::uuid)`);
  }
  if (input.type) add((at) => `type = ${at}`, input.type);
  if (input.subjectId) add((at) => `subject_id = ${at}`, input.subjectId);
  if (input.customerId) add((at) => `customer_ids @> ARRAY[${at}::uuid]`, input.customerId);
  if (input.sellerId) add((at) => `seller_ids @> ARRAY[${at}::uuid]`, input.sellerId);
  params.push(input.limit);
  // ORDER BY names the column: the text alias `txid` would sort '10' before '9'.
  const rows = await query<EventRow>(
    db,
    `SELECT id, type, subject_type, subject_id, sequence, customer_id, seller_ids, data,
       occurred_at, txid::text AS txid
     FROM events WHERE ${where.join(' AND ')} ORDER BY events.txid, events.id LIMIT $${params.length}`,
    params,
  );
  return { items: rows.map(toEventView), positions: rows.map((r) => ({ txid: r.txid, id: r.id })) };
}

/** toEventView maps an event row to its API shape (SPEC.md §11). */
function toEventView(row: EventRow): EventView {
  return {
    id: row.id,
    type: row.type,
    occurredAt: row.occurred_at.toISOString(),
    sequence: row.sequence,
    subject: { type: row.subject_type, id: row.subject_id },
    ...(row.customer_id ? { customerId: row.customer_id } : {}),
    ...(row.seller_ids.length === 1 ? { sellerId: row.seller_ids[0] } : {}),
    data: row.data,
  };
}
