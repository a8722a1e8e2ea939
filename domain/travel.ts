import { z } from 'zod';
import { nightCount, STAY_NIGHTS_MAX } from './bookings';
import { dateSchema } from './bookings-schemas';
import { DAY_MS } from './duration';
import { DomainError } from './errors';
import { currencySchema, NO_CONTROL_CHARACTERS, pageQuerySchema, uuidSchema } from './schemas';

/*
 * The travel catalogue of SPEC.md §6 (everything but the bookings): bus schedules with their
 * seats, properties with their room types, and the searches over them. Request schemas and
 * view types for the API and db/travel.ts; workflow code never imports this module (zod).
 */

/** SEAT_COUNT_MAX is the most seats of one bus (bus_schedules.seat_count CHECK, 0003_bookings). */
export const SEAT_COUNT_MAX = 100;

/** UNITS_PER_NIGHT_MAX is the most rooms of one type a night (room_types CHECK, 0003_bookings). */
export const UNITS_PER_NIGHT_MAX = 1000;

/** PRICE_MINOR_MAX bounds one seat or one night's price in minor units, as a product's price. */
export const PRICE_MINOR_MAX = 1_000_000_000_000;

/**
 * ROOM_TYPES_PER_PROPERTY_MAX bounds the room types of one property, so a page of hotels
 * (at most 200) carries a bounded number of room types, each priced over at most
 * STAY_NIGHTS_MAX nights.
 */
export const ROOM_TYPES_PER_PROPERTY_MAX = 50;

/**
 * labelSchema is a trimmed, non-empty line of text of at most `charsMax` characters (fewer
 * than the table's CHECK counts) with no control characters: names and places are one line,
 * and PostgreSQL text cannot hold a NUL.
 */
export function labelSchema(charsMax: number) {
  return z
    .string()
    .trim()
    .min(1)
    .max(charsMax)
    .regex(NO_CONTROL_CHARACTERS, 'must not contain control characters');
}

/**
 * filterSchema is an optional search filter: like labelSchema, but empty text means "no
 * filter" (the route maps '' to undefined, as GET /v1/products does with `q`).
 */
function filterSchema(charsMax: number) {
  return z
    .string()
    .trim()
    .max(charsMax)
    .regex(NO_CONTROL_CHARACTERS, 'must not contain control characters')
    .optional();
}

/** INSTANT_MAX_MS is 9999-12-31T23:59:59.999Z, the last instant a 4-digit ISO year writes. */
const INSTANT_MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * dateTimeSchema is an ISO-8601 date-time (`Z` or an offset; stored to the millisecond) from
 * 1970 to 9999 UTC: outside that, JavaScript or PostgreSQL (which has no year 0) cannot read
 * it back, and a bad time must be a 422, never a database error.
 */
export const dateTimeSchema = z.iso.datetime({ offset: true }).refine((value) => {
  const ms = Date.parse(value);
  return ms >= 0 && ms <= INSTANT_MAX_MS;
}, 'must be between 1970 and 9999 (UTC)');

/** searchDateSchema is a calendar date (YYYY-MM-DD) from 1970 on, as a search filter. */
const searchDateSchema = dateSchema.refine(
  (value) => value >= '1970-01-01',
  'must be 1970 or later',
);

/** priceMinorSchema is a whole number of minor units, 0…PRICE_MINOR_MAX (never a float). */
export const priceMinorSchema = z.number().int().min(0).max(PRICE_MINOR_MAX);

/**
 * createScheduleBodySchema is POST /v1/schedules: a bus operator's departure with 1–100
 * seats. arrivesAt must be after departsAt; "departsAt in the future" needs the clock, so the
 * route checks it.
 */
export const createScheduleBodySchema = z
  .object({
    sellerId: uuidSchema,
    origin: labelSchema(100),
    destination: labelSchema(100),
    departsAt: dateTimeSchema,
    arrivesAt: dateTimeSchema,
    seatCount: z.number().int().min(1).max(SEAT_COUNT_MAX),
    priceMinor: priceMinorSchema,
    currency: currencySchema,
  })
  .strict()
  .refine((body) => Date.parse(body.arrivesAt) > Date.parse(body.departsAt), {
    message: 'arrivesAt must be after departsAt',
    path: ['arrivesAt'],
  });

/** CreateScheduleBody is a validated POST /v1/schedules body. */
export type CreateScheduleBody = z.infer<typeof createScheduleBodySchema>;

/**
 * scheduleSearchQuerySchema is GET /v1/schedules?origin=&destination=&date=&limit=&cursor=:
 * origin and destination match case-insensitively, date is the UTC day of departure.
 */
export const scheduleSearchQuerySchema = pageQuerySchema.extend({
  origin: filterSchema(100),
  destination: filterSchema(100),
  date: searchDateSchema.optional(),
});

/** scheduleCursorSchema is the position a GET /v1/schedules cursor holds: departure, then id. */
export const scheduleCursorSchema = z.object({ departsAt: dateTimeSchema, id: uuidSchema });

/** createPropertyBodySchema is POST /v1/properties: a property owner's hotel in a city. */
export const createPropertyBodySchema = z
  .object({ sellerId: uuidSchema, name: labelSchema(200), city: labelSchema(100) })
  .strict();

/** createRoomTypeBodySchema is POST /v1/properties/:id/room-types. */
export const createRoomTypeBodySchema = z
  .object({
    name: labelSchema(200),
    unitsPerNight: z.number().int().min(1).max(UNITS_PER_NIGHT_MAX),
    priceMinor: priceMinorSchema,
    currency: currencySchema,
  })
  .strict();

/** CreateRoomTypeBody is a validated POST /v1/properties/:id/room-types body. */
export type CreateRoomTypeBody = z.infer<typeof createRoomTypeBodySchema>;

/**
 * hotelSearchQuerySchema is GET /v1/hotels?city=&checkIn=&checkOut=&limit=&cursor=. checkIn
 * and checkOut (YYYY-MM-DD) come together, checkOut after checkIn, at most STAY_NIGHTS_MAX
 * nights apart; today and the horizon (ROOM_HORIZON_NIGHTS) need the clock and config, so the
 * route checks them.
 */
export const hotelSearchQuerySchema = pageQuerySchema
  .extend({
    city: filterSchema(100),
    checkIn: dateSchema.optional(),
    checkOut: dateSchema.optional(),
  })
  .superRefine((query, ctx) => {
    const { checkIn, checkOut } = query;
    if (checkIn === undefined && checkOut === undefined) return;
    if (checkIn === undefined || checkOut === undefined) {
      const path = checkIn === undefined ? 'checkIn' : 'checkOut';
      ctx.addIssue({ code: 'custom', path: [path], message: 'checkIn and checkOut come together' });
    } else if (checkOut <= checkIn) {
      ctx.addIssue({ code: 'custom', path: ['checkOut'], message: 'must be after checkIn' });
    } else if (nightCount(checkIn, checkOut) > STAY_NIGHTS_MAX) {
      const message = `a stay is at most ${STAY_NIGHTS_MAX} nights`;
      ctx.addIssue({ code: 'custom', path: ['checkOut'], message });
    }
  });

/** hotelCursorSchema is the position a GET /v1/hotels cursor holds: name, then id. */
export const hotelCursorSchema = z.object({
  name: z.string().max(200).regex(NO_CONTROL_CHARACTERS),
  id: uuidSchema,
});

/** utcDate returns the UTC calendar date (YYYY-MM-DD) `days` after the instant `atMs`. */
export function utcDate(atMs: number, days = 0): string {
  return new Date(atMs + days * DAY_MS).toISOString().slice(0, 10);
}

/** ScheduleView is the API shape of a bus schedule; seatsAvailable counts its free seats. */
export interface ScheduleView {
  id: string;
  sellerId: string;
  origin: string;
  destination: string;
  departsAt: string;
  arrivesAt: string;
  seatCount: number;
  seatsAvailable: number;
  priceMinor: number;
  currency: string;
  createdAt: string;
}

/** SeatStatus is one seat's state: free, held by a reserved booking, or booked. */
export type SeatStatus = 'free' | 'held' | 'booked';

/** SeatView is one seat of a schedule's seat map. */
export interface SeatView {
  seatNo: number;
  status: SeatStatus;
}

/** PropertyView is the API shape of a property (a hotel); inactive ones are never listed. */
export interface PropertyView {
  id: string;
  sellerId: string;
  name: string;
  city: string;
  active: boolean;
  createdAt: string;
}

/** RoomTypeView is the API shape of a room type: `unitsPerNight` rooms at `priceMinor` a night. */
export interface RoomTypeView {
  id: string;
  propertyId: string;
  name: string;
  unitsPerNight: number;
  priceMinor: number;
  currency: string;
  createdAt: string;
}

/**
 * HotelRoomTypeView is one room type in a hotel search hit. With dates, unitsAvailable is the
 * fewest rooms free on any requested night; without dates it is null.
 */
export interface HotelRoomTypeView {
  id: string;
  name: string;
  priceMinor: number;
  currency: string;
  unitsPerNight: number;
  unitsAvailable: number | null;
}

/**
 * HotelView is one GET /v1/hotels hit: minPriceMinor is the lowest nightly price among room
 * types that are open (a room free every requested night, or any room type without dates),
 * null when none is; available is `minPriceMinor !== null`. currency is the property's
 * (all its room types share one), null before its first room type.
 */
export interface HotelView {
  id: string;
  sellerId: string;
  name: string;
  city: string;
  currency: string | null;
  minPriceMinor: number | null;
  available: boolean;
  roomTypes: HotelRoomTypeView[];
}

/**
 * RoomTypeForBooking is what the bookings flow reads about a room type before holding nights:
 * its property, owner, whether the owner is approved and the property active, and its price.
 */
export interface RoomTypeForBooking {
  id: string;
  propertyId: string;
  sellerId: string;
  sellerApproved: boolean;
  propertyActive: boolean;
  unitsPerNight: number;
  priceMinor: number;
  currency: string;
}

/**
 * hotelOffer applies the SPEC.md §6 availability rule to a property's room types: the lowest
 * price among open ones (unitsAvailable null, i.e. no dates, or at least 1) and whether any is.
 */
export function hotelOffer(
  roomTypes: readonly HotelRoomTypeView[],
): Pick<HotelView, 'currency' | 'minPriceMinor' | 'available'> {
  const open = roomTypes.filter((r) => r.unitsAvailable === null || r.unitsAvailable >= 1);
  const minPriceMinor = open.length === 0 ? null : Math.min(...open.map((r) => r.priceMinor));
  return {
    currency: roomTypes[0]?.currency ?? null,
    minPriceMinor,
    available: minPriceMinor !== null,
  };
}

/**
 * assertRoomTypeFits checks a new room type in `currency` against its property's existing
 * ones (`siblings`): all of a property's room types share one currency, so its prices compare
 * (minPriceMinor), and it has fewer than ROOM_TYPES_PER_PROPERTY_MAX of them.
 * @throws DomainError `validation_failed` (422, path `currency`, or `id` for the property).
 */
export function assertRoomTypeFits(
  siblings: readonly { currency: string }[],
  currency: string,
): void {
  const other = siblings.find((r) => r.currency !== currency);
  if (other) {
    throw new DomainError('validation_failed', 'A property prices in one currency', {
      errors: [
        { path: 'currency', message: `this property's room types are in ${other.currency}` },
      ],
    });
  }
  if (siblings.length >= ROOM_TYPES_PER_PROPERTY_MAX) {
    throw new DomainError('validation_failed', 'The property has all the room types it may have', {
      errors: [
        { path: 'id', message: `a property has at most ${ROOM_TYPES_PER_PROPERTY_MAX} room types` },
      ],
    });
  }
}
