import { describe, expect, it } from 'vitest';
import {
  assertCheckInNotPast,
  assertNightsFree,
  assertNotDeparted,
  assertRoomTypeFound,
  assertScheduleFound,
  assertSeatsFree,
  assertSeatsOnBus,
  assertWithinHorizon,
  bookingAmountOf,
} from '../../domain/booking-rules';
import { assertPaysFromOwnWallet } from '../../domain/ledger-rules';
import { DomainError } from '../../domain/errors';

const NOW = Date.parse('2030-06-15T10:00:00Z');
const INVALID = 'The booking request is not valid';

function thrown(fn: () => void): DomainError | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  return undefined;
}

describe('the booking rules', () => {
  it('when a schedule or room type is missing or hidden, then not_found', () => {
    expect(thrown(() => assertScheduleFound(undefined))).toMatchObject({
      code: 'not_found',
      message: 'No such schedule',
    });
    expect(thrown(() => assertRoomTypeFound(null))).toMatchObject({
      code: 'not_found',
      message: 'No such room type',
    });
    expect(thrown(() => assertScheduleFound({ id: 's' }))).toBeUndefined();
    expect(thrown(() => assertRoomTypeFound({ id: 'r' }))).toBeUndefined();
  });

  it('when the bus departs at or before now, then validation_failed on scheduleId', () => {
    const err = thrown(() => assertNotDeparted(NOW, NOW));
    expect(err).toMatchObject({ code: 'validation_failed', message: INVALID });
    expect(err?.extra).toEqual({
      errors: [{ path: 'scheduleId', message: 'the bus has already departed' }],
    });
    expect(thrown(() => assertNotDeparted(NOW + 1, NOW))).toBeUndefined();
  });

  it('when a seat is beyond the bus, then validation_failed names the first such element', () => {
    const err = thrown(() => assertSeatsOnBus([3, 41, 50], 40));
    expect(err?.code).toBe('validation_failed');
    expect(err?.extra).toEqual({
      errors: [{ path: 'seats.1', message: 'this bus has seats 1–40' }],
    });
    expect(thrown(() => assertSeatsOnBus([1, 40], 40))).toBeUndefined();
  });

  it('when seats are held or booked, then seats_unavailable lists exactly those', () => {
    const seats = [
      { seatNo: 2, status: 'held' },
      { seatNo: 3, status: 'free' },
      { seatNo: 5, status: 'booked' },
    ];
    const err = thrown(() => assertSeatsFree(seats));
    expect(err).toMatchObject({ code: 'seats_unavailable', message: 'Seats 2, 5 are taken' });
    expect(err?.status).toBe(409);
    expect(err?.extra).toEqual({ seats: [2, 5] });
    expect(thrown(() => assertSeatsFree([{ seatNo: 1, status: 'free' }]))).toBeUndefined();
  });

  it('when check-in is before today (UTC), then validation_failed on checkIn; today passes', () => {
    const err = thrown(() => assertCheckInNotPast('2030-06-14', NOW));
    expect(err?.extra).toEqual({
      errors: [{ path: 'checkIn', message: 'the check-in date is before today (2030-06-15)' }],
    });
    expect(thrown(() => assertCheckInNotPast('2030-06-15', NOW))).toBeUndefined();
  });

  it('when check-out is beyond the horizon, then validation_failed on checkOut', () => {
    const err = thrown(() => assertWithinHorizon('2030-06-26', NOW, 10));
    expect(err?.extra).toEqual({
      errors: [
        { path: 'checkOut', message: 'stays can be booked up to 2030-06-25 (ROOM_HORIZON_NIGHTS)' },
      ],
    });
    expect(thrown(() => assertWithinHorizon('2030-06-25', NOW, 10))).toBeUndefined();
  });

  it('when a night has no unit left, then rooms_unavailable lists exactly the full nights', () => {
    const nights = [
      { night: '2030-07-01', units: 2, held: 1, booked: 1 },
      { night: '2030-07-02', units: 2, held: 1, booked: 0 },
      { night: '2030-07-03', units: 1, held: 0, booked: 1 },
    ];
    const err = thrown(() => assertNightsFree(nights));
    expect(err).toMatchObject({
      code: 'rooms_unavailable',
      message: 'No room left on 2030-07-01, 2030-07-03',
    });
    expect(err?.extra).toEqual({ nights: ['2030-07-01', '2030-07-03'] });
    expect(thrown(() => assertNightsFree([nights[1]!]))).toBeUndefined();
  });

  it('when the account is missing, foreign or not a wallet, then not_found or validation_failed', () => {
    expect(thrown(() => assertPaysFromOwnWallet(undefined, 'c1', 'booking'))?.code).toBe(
      'not_found',
    );
    const foreign = { ownerId: 'c2', kind: 'wallet' as const };
    expect(thrown(() => assertPaysFromOwnWallet(foreign, 'c1', 'booking'))?.code).toBe('not_found');
    const retainer = { ownerId: 'c1', kind: 'retainer' as const };
    expect(thrown(() => assertPaysFromOwnWallet(retainer, 'c1', 'booking'))?.extra).toEqual({
      errors: [{ path: 'accountId', message: 'bookings are paid from a wallet' }],
    });
    const wallet = { ownerId: 'c1', kind: 'wallet' as const };
    expect(thrown(() => assertPaysFromOwnWallet(wallet, 'c1', 'booking'))).toBeUndefined();
    const forOrder = thrown(() => assertPaysFromOwnWallet(retainer, 'c1', 'order'));
    expect(forOrder?.message).toBe('The account is not a wallet');
    expect(forOrder?.extra).toEqual({
      errors: [{ path: 'accountId', message: 'orders are paid from a wallet' }],
    });
  });

  it('when a booking is priced, then price × units, and a total past the range is refused', () => {
    expect(bookingAmountOf(2500, 3)).toBe(7500);
    expect(thrown(() => bookingAmountOf(Number.MAX_SAFE_INTEGER, 2))?.code).toBe(
      'amount_out_of_range',
    );
  });
});
