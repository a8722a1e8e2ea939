import { describe, expect, it } from 'vitest';
import { BOOKING_MACHINE } from '../../domain/bookings';
import { DomainError } from '../../domain/errors';
import { HOLD_MACHINE } from '../../domain/ledger';
import { ORDER_MACHINE } from '../../domain/orders';

/** refusalOf runs a transition check and returns the DomainError it throws. */
function refusalOf(check: () => void): DomainError {
  try {
    check();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('the transition was allowed');
}

describe('the state machines of the stateful resources', () => {
  it('name as terminal exactly the states no edge leaves (SPEC.md §4, §5, §6)', () => {
    expect([...ORDER_MACHINE.terminal].sort()).toEqual(['cancelled', 'expired', 'fulfilled']);
    expect([...BOOKING_MACHINE.terminal].sort()).toEqual(['cancelled', 'completed', 'expired']);
    expect([...HOLD_MACHINE.terminal].sort()).toEqual(['posted', 'voided']);
  });

  it('refuse a second resolution of a hold with already_resolved and the status it found', () => {
    expect(() => HOLD_MACHINE.assertTransition('pending', 'posted')).not.toThrow();
    expect(() => HOLD_MACHINE.assertTransition('pending', 'voided')).not.toThrow();
    const refusal = refusalOf(() => HOLD_MACHINE.assertTransition('voided', 'posted'));
    expect(refusal.code).toBe('already_resolved');
    expect(refusal.status).toBe(409);
    expect(refusal.extra).toEqual({ transferStatus: 'voided' });
    expect(refusalOf(() => HOLD_MACHINE.assertTransition('posted', 'posted')).code).toBe(
      'already_resolved',
    );
  });

  it('refuse confirming an expired booking with booking_expired, other gaps invalid_transition', () => {
    expect(refusalOf(() => BOOKING_MACHINE.assertTransition('expired', 'confirmed')).code).toBe(
      'booking_expired',
    );
    const refusal = refusalOf(() => BOOKING_MACHINE.assertTransition('completed', 'cancelled'));
    expect(refusal.code).toBe('invalid_transition');
    expect(refusal.extra).toEqual({ bookingStatus: 'completed', requested: 'cancelled' });
    expect(() => BOOKING_MACHINE.assertTransition('reserved', 'confirmed')).not.toThrow();
  });
});
