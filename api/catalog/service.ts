import { DomainError } from '../../domain/errors';
import type { AuthUser } from '../middleware/auth';

/*
 * The catalogue service (SPEC.md §2): who may add what a seller offers. The writes themselves
 * are single statements in db/catalog.ts, which the routes call directly.
 */

/**
 * assertMayManageSeller lets staff, or an operator of that seller, add what the seller offers:
 * products here, schedules, properties and room types in api/travel/ (SPEC.md §2, §6).
 * `offer` names it in the refusal. @throws DomainError `forbidden` (403).
 */
export function assertMayManageSeller(user: AuthUser, sellerId: string, offer: string): void {
  if (user.role === 'staff' || (user.role === 'operator' && user.sellerId === sellerId)) return;
  throw new DomainError(
    'forbidden',
    `Only staff or an operator of this seller may add its ${offer}`,
  );
}
