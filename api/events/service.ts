import { listEvents, type EventPosition } from '../../db/events';
import type { EventType, EventView } from '../../domain/events';
import type { AuthUser } from '../middleware/auth';
import type { ApiDeps } from '../router';

/*
 * The events feed (SPEC.md §11): who sees what, and where a reader polls from next.
 */

/** FEED_START is the position before every event, where a reader without a cursor starts. */
const FEED_START: EventPosition = { txid: '0', id: '00000000-0000-0000-0000-000000000000' };

/** FeedRequest is one validated GET /v1/events by `user`. */
export interface FeedRequest {
  user: AuthUser;
  after?: EventPosition;
  limit: number;
  type?: EventType;
  subjectId?: string;
}

/**
 * readFeed returns the events `user` may see after `after`, in commit-safe order, and the
 * position to read from next: after the last event, or the same position at the end of the
 * feed. Staff see every event, a customer its own, an operator its seller's.
 */
export async function readFeed(
  deps: ApiDeps,
  input: FeedRequest,
): Promise<{ items: EventView[]; next: EventPosition }> {
  const { user } = input;
  const page = await listEvents(deps.db, {
    after: input.after,
    limit: input.limit,
    type: input.type,
    subjectId: input.subjectId,
    ...(user.role === 'customer' ? { customerId: user.sub } : {}),
    ...(user.role === 'operator' ? { sellerId: user.sellerId } : {}),
  });
  return { items: page.items, next: page.positions.at(-1) ?? input.after ?? FEED_START };
}
