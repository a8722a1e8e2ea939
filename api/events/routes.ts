import { eventCursorSchema, listEventsQuerySchema } from '../../domain/events-schemas';
import { type ApiDeps, decodeCursor, encodeCursor, newRouter, routeFor } from '../router';
import { readFeed } from './service';

const route = routeFor('events');

const listRoute = route('get', '/events', {
  summary:
    'Events in commit order (staff all, a customer its own, an operator its seller’s); nextCursor is always the position to poll from',
  request: { query: listEventsQuerySchema },
  status: 200,
  roles: ['customer', 'staff', 'operator'],
});

/**
 * eventRoutes serves the events feed of SPEC.md §11: `{items, nextCursor}` where nextCursor is
 * present even at the end of the feed, so a reader stores it and polls from it later without
 * missing or repeating an event.
 */
export function eventRoutes(deps: ApiDeps) {
  const app = newRouter();
  app.openapi(listRoute, async (c) => {
    const { limit, cursor, type, subjectId } = c.req.valid('query');
    const after = decodeCursor(cursor, eventCursorSchema);
    const user = c.get('user');
    const { items, next } = await readFeed(deps, { user, after, limit, type, subjectId });
    return c.json({ items, nextCursor: encodeCursor(next) }, 200);
  });
  return app;
}
