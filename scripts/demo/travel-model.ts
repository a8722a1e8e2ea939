import type { BookingView } from '../../domain/bookings';
import type { DemoResult, Problem } from './client';
import type { Funded } from './seed';

/** The travel scene's shapes: its travellers, the bus and the hotel, the rushes' attempts and the won bookings. */

/**
 * TravelProblem is a refusal body; a 409 `rooms_unavailable` also carries `nights` (a list of
 * dates, while a booking's `nights` is a count: read it with refusedNights, ./travel-checks.ts).
 */
export type TravelProblem = Problem & { seats?: number[] };
/** BookingResult is an answer about a booking: the booking or a TravelProblem. */
export type BookingResult = DemoResult<BookingView & TravelProblem>;

/** Traveller is one customer with a funded EUR wallet; `depositMinor` in minor units. */
export type Traveller = Funded;

/** Bus is this run's schedule: seats 1…seatCount, `priceMinor` per seat. */
export interface Bus {
  id: string;
  origin: string;
  destination: string;
  departsAt: string;
  seatCount: number;
  priceMinor: number;
}

/** Hotel is this run's property and its one room type of `unitsPerNight` rooms. */
export interface Hotel {
  propertyId: string;
  roomTypeId: string;
  name: string;
  city: string;
  unitsPerNight: number;
  priceMinor: number;
}

/** SeatAttempt is one traveller's POST /v1/bookings: the seats asked for and the answer. */
export interface SeatAttempt {
  traveller: Traveller;
  seats: number[];
  result: BookingResult;
}

/** StayAttempt is one guest's POST /v1/stays: nights [checkIn, checkOut) and the answer. */
export interface StayAttempt {
  traveller: Traveller;
  checkIn: string;
  checkOut: string;
  result: BookingResult;
}

/** RushAttempts is one rush's attempts (what was asked and the answer) and its wall time in ms. */
export interface RushAttempts<A> {
  attempts: A[];
  wallMs: number;
}

/** Plan is what the demo does with a won booking. */
export type Plan = 'confirm' | 'confirmTwice' | 'confirmThenCancel' | 'leaveReserved';

/** Won is a placed booking, its owner, the plan for it and the answers it got. */
export interface Won {
  booking: BookingView;
  traveller: Traveller;
  plan: Plan;
  confirms: BookingResult[];
  cancel?: BookingResult;
}
