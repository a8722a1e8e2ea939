import * as travel from '../../db/travel';
import { DomainError, invalidField } from '../../domain/errors';
import { idParamSchema } from '../../domain/schemas';
import {
  createPropertyBodySchema,
  createRoomTypeBodySchema,
  createScheduleBodySchema,
  hotelCursorSchema,
  hotelSearchQuerySchema,
  scheduleCursorSchema,
  scheduleSearchQuerySchema,
  utcDate,
} from '../../domain/travel';
import { assertMayManageSeller } from '../catalog/service';
import {
  type ApiDeps,
  decodeCursor,
  jsonBody,
  newRouter,
  page,
  requestResourceId,
  routeFor,
} from '../router';
import { assertStayInHorizon, visibleSchedule } from './service';

const route = routeFor('travel');

const createScheduleRoute = route('post', '/schedules', {
  summary: 'Create a bus schedule with its seats (staff, or operator of that bus operator)',
  request: { body: jsonBody(createScheduleBodySchema) },
  status: 201,
  roles: ['staff', 'operator'],
});

const searchSchedulesRoute = route('get', '/schedules', {
  summary: "Search approved operators' schedules by route and UTC day, with seatsAvailable",
  request: { query: scheduleSearchQuerySchema },
  status: 200,
});

const getScheduleRoute = route('get', '/schedules/{id}', {
  summary: 'Get a schedule (404 to customers when its operator is not approved)',
  request: { params: idParamSchema },
  status: 200,
});

const seatMapRoute = route('get', '/schedules/{id}/seats', {
  summary: 'Seat map of a schedule: {items: [{seatNo, status: free|held|booked}]}',
  request: { params: idParamSchema },
  status: 200,
});

const createPropertyRoute = route('post', '/properties', {
  summary: 'Create a property (staff, or operator of that property owner)',
  request: { body: jsonBody(createPropertyBodySchema) },
  status: 201,
  roles: ['staff', 'operator'],
});

const createRoomTypeRoute = route('post', '/properties/{id}/room-types', {
  summary: 'Add a room type and open its nights up to ROOM_HORIZON_NIGHTS (staff, owner)',
  request: { params: idParamSchema, body: jsonBody(createRoomTypeBodySchema) },
  status: 201,
  roles: ['staff', 'operator'],
});

const searchHotelsRoute = route('get', '/hotels', {
  summary: "Search approved owners' active hotels by city, priced and available for the dates",
  request: { query: hotelSearchQuerySchema },
  status: 200,
});

/**
 * travelRoutes serves the travel catalogue of SPEC.md §6: bus schedules with their seat maps,
 * properties with their room types, and the schedule and hotel searches, which show only
 * what approved sellers offer (in SQL, db/travel.ts). Each create is one short transaction
 * with nothing durable to orchestrate, so no workflow is involved; bookings are
 * api/bookings/.
 */
export function travelRoutes(deps: ApiDeps) {
  const { db, config } = deps;
  const app = newRouter();
  app.openapi(createScheduleRoute, async (c) => {
    const body = c.req.valid('json');
    assertMayManageSeller(c.get('user'), body.sellerId, 'offer');
    if (Date.parse(body.departsAt) <= Date.now())
      throw invalidField('departsAt', 'must be in the future');
    const id = requestResourceId(c, 'schedule');
    return c.json(await travel.createSchedule(db, { id, ...body }), 201);
  });
  app.openapi(searchSchedulesRoute, async (c) => {
    const { origin, destination, date, limit, cursor } = c.req.valid('query');
    const after = decodeCursor(cursor, scheduleCursorSchema);
    const filters = { origin: origin || undefined, destination: destination || undefined, date };
    const items = await travel.searchSchedules(db, { ...filters, limit, after });
    return c.json(
      page(items, limit, (last) => ({ departsAt: last.departsAt, id: last.id })),
      200,
    );
  });
  app.openapi(getScheduleRoute, async (c) =>
    c.json(await visibleSchedule(db, c.get('user'), c.req.valid('param').id), 200),
  );
  app.openapi(seatMapRoute, async (c) => {
    const schedule = await visibleSchedule(db, c.get('user'), c.req.valid('param').id);
    return c.json({ items: await travel.listSeats(db, schedule.id) }, 200);
  });
  app.openapi(createPropertyRoute, async (c) => {
    const body = c.req.valid('json');
    assertMayManageSeller(c.get('user'), body.sellerId, 'offer');
    const id = requestResourceId(c, 'property');
    return c.json(await travel.createProperty(db, { id, ...body }), 201);
  });
  app.openapi(createRoomTypeRoute, async (c) => {
    const propertyId = c.req.valid('param').id;
    const property = await travel.findProperty(db, propertyId);
    if (!property) throw new DomainError('not_found', 'No such property');
    assertMayManageSeller(c.get('user'), property.sellerId, 'offer');
    const id = requestResourceId(c, 'room-type');
    const nights = { firstNight: utcDate(Date.now()), nights: config.roomHorizonNights };
    const input = { id, propertyId, ...c.req.valid('json'), ...nights };
    return c.json(await travel.createRoomType(db, input), 201);
  });
  app.openapi(searchHotelsRoute, async (c) => {
    const { city, checkIn, checkOut, limit, cursor } = c.req.valid('query');
    const stay = checkIn && checkOut ? { checkIn, checkOut } : undefined;
    const clock = { nowMs: Date.now(), horizonNights: config.roomHorizonNights };
    if (stay) assertStayInHorizon(stay, clock);
    const after = decodeCursor(cursor, hotelCursorSchema);
    const items = await travel.searchHotels(db, { city: city || undefined, stay, limit, after });
    return c.json(
      page(items, limit, (last) => ({ name: last.name, id: last.id })),
      200,
    );
  });
  return app;
}
