import type { Db } from '../../db/connection';
import { findVisibleSchedule } from '../../db/travel';
import { DomainError, invalidField } from '../../domain/errors';
import { utcDate, type ScheduleView } from '../../domain/travel';
import type { AuthUser } from '../middleware/auth';

/*
 * The travel catalogue service (SPEC.md §6): the checks a route makes against the clock or
 * the caller before it reads. Creates are single transactions in db/travel.ts.
 */

/**
 * assertStayInHorizon checks hotel search dates against the clock (UTC days): check-in from
 * today, check-out at most `horizonNights` (ROOM_HORIZON_NIGHTS) after today, as POST
 * /v1/stays does.
 * @throws DomainError `validation_failed` (422, path `checkIn` or `checkOut`).
 */
export function assertStayInHorizon(
  stay: { checkIn: string; checkOut: string },
  clock: { nowMs: number; horizonNights: number },
): void {
  const today = utcDate(clock.nowMs);
  if (stay.checkIn < today) throw invalidField('checkIn', `must be today (${today}) or later`);
  const horizonEnd = utcDate(clock.nowMs, clock.horizonNights);
  if (stay.checkOut > horizonEnd) {
    throw invalidField('checkOut', `must be ${horizonEnd} or earlier (ROOM_HORIZON_NIGHTS)`);
  }
}

/**
 * visibleSchedule reads a schedule as `user` may see it: customers only those of approved
 * operators, as GET /v1/products/:id.
 * @throws DomainError `not_found` (404).
 */
export async function visibleSchedule(
  db: Db,
  user: AuthUser,
  scheduleId: string,
): Promise<ScheduleView> {
  const visibleOnly = user.role === 'customer';
  const schedule = await findVisibleSchedule(db, scheduleId, { visibleOnly });
  if (!schedule) throw new DomainError('not_found', 'No such schedule');
  return schedule;
}
