import { listBookings } from '../../db/bookings';
import {
  confirmBookingBodySchema,
  listBookingsQuerySchema,
  placeSeatBookingBodySchema,
  placeStayBodySchema,
} from '../../domain/bookings-schemas';
import { idParamSchema } from '../../domain/schemas';
import { listedCustomerFor } from '../middleware/auth';
import {
  type ApiDeps,
  jsonBody,
  newRouter,
  requestResourceId,
  routeFor,
  afterCursor,
  newestFirstPage,
} from '../router';
import {
  cancelBooking,
  confirmBooking,
  deleteBooking,
  placeSeatBooking,
  placeStay,
  visibleBooking,
} from './service';

const route = routeFor('bookings');

const placeSeatsRoute = route('post', '/bookings', {
  summary: 'Hold bus seats (customer) → reserved; 409 seats_unavailable',
  request: { body: jsonBody(placeSeatBookingBodySchema) },
  status: 201,
  roles: ['customer'],
});

const placeStayRoute = route('post', '/stays', {
  summary: 'Hold one room per night of a stay (customer) → reserved; 409 rooms_unavailable',
  request: { body: jsonBody(placeStayBodySchema) },
  status: 201,
  roles: ['customer'],
});

const listRoute = route('get', '/bookings', {
  summary: 'List bookings, newest first (own for customers; any for staff), deleted ones left out',
  request: { query: listBookingsQuerySchema },
  status: 200,
  roles: ['customer', 'staff'],
});

const getRoute = route('get', '/bookings/{id}', {
  summary: 'Get a booking (its customer, staff)',
  request: { params: idParamSchema },
  status: 200,
  roles: ['customer', 'staff'],
});

const confirmRoute = route('post', '/bookings/{id}/confirm', {
  summary: 'Pay a reserved booking from a wallet (customer) → confirmed; debits once',
  request: { params: idParamSchema, body: jsonBody(confirmBookingBodySchema) },
  status: 200,
  roles: ['customer'],
});

const cancelRoute = route('post', '/bookings/{id}/cancel', {
  summary: 'Cancel a booking, releasing it and refunding once (customer, staff)',
  request: { params: idParamSchema },
  status: 200,
  roles: ['customer', 'staff'],
});

const deleteRoute = route('delete', '/bookings/{id}', {
  summary: 'Soft-delete a finished booking (staff) → deletedAt',
  request: { params: idParamSchema },
  status: 200,
  roles: ['staff'],
});

/**
 * bookingRoutes serves the bookings of SPEC.md §6: seat and stay placement answered
 * synchronously (201 `reserved`, or 409 `seats_unavailable` / `rooms_unavailable`), reads
 * straight from PostgreSQL, confirm and cancel as Updates to `booking-<id>` through the
 * booking service, and staff soft delete.
 */
export function bookingRoutes(deps: ApiDeps) {
  const app = newRouter();
  app.openapi(placeSeatsRoute, async (c) => {
    const user = c.get('user');
    const bookingId = requestResourceId(c, 'booking');
    const body = c.req.valid('json');
    return c.json(await placeSeatBooking(deps, { user, body, bookingId }), 201);
  });
  app.openapi(placeStayRoute, async (c) => {
    const user = c.get('user');
    // Its own scope: a key that held seats, reused here once it expired, names a new booking.
    const bookingId = requestResourceId(c, 'stay');
    return c.json(await placeStay(deps, { user, body: c.req.valid('json'), bookingId }), 201);
  });
  app.openapi(listRoute, async (c) => {
    const user = c.get('user');
    const { limit, cursor, customerId, status } = c.req.valid('query');
    const owner = listedCustomerFor(user, customerId);
    const after = afterCursor(cursor);
    const items = await listBookings(deps.db, { customerId: owner, status, limit, after });
    return c.json(newestFirstPage(items, limit), 200);
  });
  app.openapi(getRoute, async (c) =>
    c.json(await visibleBooking(deps, c.get('user'), c.req.valid('param').id), 200),
  );
  app.openapi(confirmRoute, async (c) => {
    const user = c.get('user');
    const { accountId } = c.req.valid('json');
    const bookingId = c.req.valid('param').id;
    return c.json(await confirmBooking(deps, { user, bookingId, accountId }), 200);
  });
  app.openapi(cancelRoute, async (c) => {
    const user = c.get('user');
    return c.json(await cancelBooking(deps, { user, bookingId: c.req.valid('param').id }), 200);
  });
  app.openapi(deleteRoute, async (c) =>
    c.json(await deleteBooking(deps, c.req.valid('param').id), 200),
  );
  return app;
}
