import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/connection';
import { query } from '../../db/transaction';
import { resourceIdFor } from '../../domain/ids';
import { describeOutcome } from './expect';
import type { Anomalies, Outcome } from './model';
import { BACKLOG_SEATS, type BacklogWorld } from './seed';
import type { WorkloadContext } from './workload';

/*
 * A backlog of expiries (issue 17 item 8): just before a long outage, orders, bookings, ledger
 * holds and payment requests with short TTLs are placed and acknowledged, so their timers fall
 * due while PostgreSQL, Temporal or every worker is away; afterwards each must be released.
 */

/** BacklogKind is what a backlog item is. */
export type BacklogKind = 'order' | 'booking' | 'hold' | 'payment request';

/** BacklogItem is one item placed before an outage and how its placement ended. */
export interface BacklogItem {
  kind: BacklogKind;
  id: string;
  outcome: Outcome;
}

/** RELEASED_AS is the status each kind ends in once its timer has released it. */
const RELEASED_AS: Record<BacklogKind, string> = {
  order: 'expired',
  booking: 'expired',
  hold: 'voided',
  'payment request': 'expired',
};

/** STATUS_SQL reads each kind's status by ID. */
const STATUS_SQL: Record<BacklogKind, string> = {
  order: 'SELECT id::text, status FROM orders WHERE id = ANY($1::uuid[])',
  booking: 'SELECT id::text, status FROM bookings WHERE id = ANY($1::uuid[])',
  hold: 'SELECT id, status FROM ledger_transfers WHERE id = ANY($1::text[])',
  'payment request': 'SELECT id::text, status FROM payment_requests WHERE id = ANY($1::uuid[])',
};

/**
 * placeBacklog places `perKind` orders, bookings, holds (timeout `holdTimeout`) and payment
 * requests at once, batch `batch` of the run (each batch books seats of its own on the
 * backlog's bus), and returns them once every placement has ended.
 * @throws Error when the batch would need seats past BACKLOG_SEATS.
 */
export async function placeBacklog(
  ctx: WorkloadContext,
  input: { world: BacklogWorld; batch: number; perKind: number; holdTimeout: string },
): Promise<BacklogItem[]> {
  const { batch, perKind } = input;
  if ((batch + 1) * perKind > BACKLOG_SEATS)
    throw new Error(`backlog batch ${batch} of ${perKind} needs seats past ${BACKLOG_SEATS}`);
  const place = async (kind: BacklogKind, index: number): Promise<BacklogItem> => {
    const key = randomUUID();
    const call = backlogCall(kind, { ...input, index });
    const id = resourceIdFor({ sub: call.actor.sub, idempotencyKey: key, scope: call.scope });
    const outcome = await ctx.client.send(call.workload, {
      method: 'POST',
      path: call.path,
      token: call.actor.token,
      key,
      body: call.body,
    });
    return { kind, id, outcome };
  };
  const kinds = Object.keys(RELEASED_AS) as BacklogKind[];
  return Promise.all(
    kinds.flatMap((kind) => Array.from({ length: perKind }, (_, index) => place(kind, index))),
  );
}

/** backlogCall is the request that places one backlog item of `kind`. */
function backlogCall(
  kind: BacklogKind,
  input: {
    world: BacklogWorld;
    batch: number;
    perKind: number;
    holdTimeout: string;
    index: number;
  },
) {
  const { world } = input;
  switch (kind) {
    case 'order':
      return {
        workload: 'orders' as const,
        scope: 'order',
        actor: world.customer.actor,
        path: '/v1/orders',
        body: { lines: [{ productId: world.productId, quantity: 1 }], paymentMethod: 'wallet' },
      };
    case 'booking':
      return {
        workload: 'bookings' as const,
        scope: 'booking',
        actor: world.customer.actor,
        path: '/v1/bookings',
        body: {
          scheduleId: world.scheduleId,
          seats: [input.batch * input.perKind + input.index + 1],
        },
      };
    case 'hold':
      return {
        workload: 'bank' as const,
        scope: 'transfer',
        actor: world.customer.actor,
        path: '/v1/transfers',
        body: {
          fromAccountId: world.customer.accountId,
          toAccountId: world.holdToAccountId,
          amountMinor: 100,
          hold: { timeout: input.holdTimeout },
        },
      };
    case 'payment request':
      return {
        workload: 'approvals' as const,
        scope: 'payment-request',
        actor: world.requester.actor,
        path: '/v1/payment-requests',
        body: {
          fromAccountId: world.requester.fromAccountId,
          toAccountId: world.requester.toAccountId,
          amountMinor: 100,
          reason: 'chaos backlog',
        },
      };
  }
}

/**
 * checkBacklog: every backlog item whose placement was acknowledged (by its client or by the
 * final key check) ended released by its timer (RELEASED_AS); nobody acted on any of them.
 */
export async function checkBacklog(
  db: Db,
  items: BacklogItem[],
  anomalies: Anomalies,
): Promise<void> {
  for (const kind of Object.keys(RELEASED_AS) as BacklogKind[]) {
    const own = items.filter((item) => item.kind === kind && item.outcome.kind === 'acked');
    const rows = await query<{ id: string; status: string }>(db, STATUS_SQL[kind], [
      own.map((item) => item.id),
    ]);
    const status = new Map(rows.map((row) => [row.id, row.status]));
    for (const item of own) {
      if (status.get(item.id) === RELEASED_AS[kind]) continue;
      anomalies.add(
        'past its time, not released within 60 s',
        `backlog ${kind} ${item.id} (${describeOutcome(item.outcome)}) is ${status.get(item.id) ?? 'absent'}, not ${RELEASED_AS[kind]}`,
      );
    }
  }
}
