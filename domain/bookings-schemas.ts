import { z } from 'zod';
import { BOOKING_STATUSES, nightCount, SEATS_PER_BOOKING_MAX, STAY_NIGHTS_MAX } from './bookings';
import { pageQuerySchema, uuidSchema } from './schemas';

/*
 * Request schemas of the booking API (SPEC.md §6), kept apart from domain/bookings.ts so
 * workflow code never loads zod (the worker builds a workflow's modules per run).
 */

/** SEAT_NUMBER_MAX is the highest seat number of any bus (`seatCount` is 1–100, SPEC.md §6). */
export const SEAT_NUMBER_MAX = 100;

/** dateSchema is a calendar date, YYYY-MM-DD, that exists (2026-02-30 does not). */
export const dateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-07-01')
  .refine((value) => {
    const t = Date.parse(`${value}T00:00:00Z`);
    return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === value;
  }, 'is not a calendar date');

/**
 * placeSeatBookingBodySchema is the body of POST /v1/bookings: a schedule and 1–10 distinct
 * seat numbers, each from 1 (the schedule's seatCount is checked against the schedule).
 */
export const placeSeatBookingBodySchema = z
  .object({
    scheduleId: uuidSchema,
    seats: z
      .array(z.number().int().min(1).max(SEAT_NUMBER_MAX))
      .min(1)
      .max(SEATS_PER_BOOKING_MAX)
      .refine((seats) => new Set(seats).size === seats.length, 'the same seat appears twice'),
  })
  .strict();

/** PlaceSeatBookingBody is a validated POST /v1/bookings body. */
export type PlaceSeatBookingBody = z.infer<typeof placeSeatBookingBodySchema>;

/**
 * placeStayBodySchema is the body of POST /v1/stays: a room type and the nights
 * [checkIn, checkOut), 1 to STAY_NIGHTS_MAX of them (today and the horizon are checked by the
 * service, which knows the clock and ROOM_HORIZON_NIGHTS).
 */
export const placeStayBodySchema = z
  .object({ roomTypeId: uuidSchema, checkIn: dateSchema, checkOut: dateSchema })
  .strict()
  .refine((body) => body.checkOut > body.checkIn, {
    message: 'checkOut must be after checkIn',
    path: ['checkOut'],
  })
  .refine((body) => nightCount(body.checkIn, body.checkOut) <= STAY_NIGHTS_MAX, {
    message: `a stay is at most ${STAY_NIGHTS_MAX} nights`,
    path: ['checkOut'],
  });

/** PlaceStayBody is a validated POST /v1/stays body. */
export type PlaceStayBody = z.infer<typeof placeStayBodySchema>;

/** confirmBookingBodySchema is the body of POST /v1/bookings/:id/confirm. */
export const confirmBookingBodySchema = z.object({ accountId: uuidSchema }).strict();

/** listBookingsQuerySchema pages GET /v1/bookings, for staff optionally by customer and status. */
export const listBookingsQuerySchema = pageQuerySchema.extend({
  customerId: uuidSchema.optional(),
  status: z.enum(BOOKING_STATUSES).optional(),
});
