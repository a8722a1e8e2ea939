import type { Transaction } from 'sequelize';
import type { EventSubjectType, EventType } from '../domain/events';
import type { StateMachine } from '../domain/state-machine';
import type { Db } from './connection';
import { recordEvent } from './events';
import { execute, withTransaction } from './transaction';

/*
 * The one way a stateful row changes status (orders, bookings, holds): lock the row, check the
 * state machine, run the change's effects (stock, inventory, money), stamp and update, in one
 * transaction. Every status change of SPEC.md §4–§6 passes through writeTransition, which
 * also writes its event (SPEC.md §11) in that transaction.
 */

/** Audience is who sees a row's events: its customers and its sellers (SPEC.md §11). */
export interface Audience {
  customerIds: readonly (string | null | undefined)[];
  sellerIds: readonly string[];
}

/** StatefulRow is what a stateful table reads back: an id and a status. */
export interface StatefulRow<S extends string> {
  id: string;
  status: S;
}

/**
 * StatefulTable describes one table with a state machine: how to lock and read a row, the
 * timestamp column each target status stamps, and the columns of the references (payment,
 * refund, amount) a transition may record, by their camelCase name.
 */
export interface StatefulTable<S extends string, V extends StatefulRow<S>, R extends string> {
  /** noun names the resource in transaction names (`order_cancelled`). */
  noun: string;
  table: string;
  machine: StateMachine<S>;
  /** lock locks the row `FOR UPDATE`. @throws DomainError `not_found` (404). */
  lock: (db: Db, transaction: Transaction, id: string) => Promise<V>;
  read: (db: Db, id: string, transaction: Transaction) => Promise<V | undefined>;
  stampColumns: Partial<Record<S, string>>;
  referenceColumns: Record<R, string>;
  /** touchesUpdatedAt: the table has an `updated_at` column to set. */
  touchesUpdatedAt: boolean;
  /** subject is the event subject type of a row; its changes are `<subject>.<status>`. */
  subject: EventSubjectType;
  /** audience reads, in the transaction, who sees the row's events. */
  audience: (db: Db, transaction: Transaction, row: V) => Promise<Audience>;
}

/**
 * recordChange writes the event of `row` reaching `change` (its new status, or `placed` /
 * `reserved` for an insert), with the row as its data, in the caller's transaction.
 */
export async function recordChange<S extends string, V extends StatefulRow<S>, R extends string>(
  db: Db,
  transaction: Transaction,
  table: StatefulTable<S, V, R>,
  row: V,
  change: string,
): Promise<void> {
  await recordEvent(db, transaction, {
    type: `${table.subject}.${change}` as EventType,
    subject: { type: table.subject, id: row.id },
    ...(await table.audience(db, transaction, row)),
    data: row,
  });
}

/** References are the values a transition records; the ones absent keep their stored value. */
export type References<R extends string> = Partial<Record<R, string | number | null>>;

/** WriteTransitionInput is a change of a row that its transaction has locked (or inserted). */
export interface WriteTransitionInput<
  S extends string,
  V extends StatefulRow<S>,
  R extends string,
> {
  row: V;
  target: S;
  references?: References<R>;
}

/**
 * writeTransition checks `row.status → target` against the machine, sets the status, its
 * timestamp and the references given, reads the row back and records its event. Call it with
 * the row locked.
 * @throws DomainError the machine's refusal (409).
 */
export async function writeTransition<S extends string, V extends StatefulRow<S>, R extends string>(
  db: Db,
  transaction: Transaction,
  table: StatefulTable<S, V, R>,
  input: WriteTransitionInput<S, V, R>,
): Promise<V> {
  table.machine.assertTransition(input.row.status, input.target);
  const params: unknown[] = [input.row.id, input.target];
  const sets = ['status = $2'];
  const stamp = table.stampColumns[input.target];
  if (stamp) sets.push(`${stamp} = now()`);
  for (const [name, value] of Object.entries(input.references ?? {})) {
    if (value === undefined || value === null) continue;
    params.push(value);
    sets.push(`${table.referenceColumns[name as R]} = $${params.length}`);
  }
  if (table.touchesUpdatedAt) sets.push('updated_at = now()');
  await execute(
    db,
    `UPDATE ${table.table} SET ${sets.join(', ')} WHERE id = $1`,
    params,
    transaction,
  );
  const changed = (await table.read(db, input.row.id, transaction))!;
  await recordChange(db, transaction, table, changed, input.target);
  return changed;
}

/** TransitionInput is one status change of the row `id`, with its effects. */
export interface TransitionInput<S extends string, V extends StatefulRow<S>, R extends string> {
  id: string;
  target: S;
  /** isDone: the row needs no change (a retried activity, a timer overtaken); default: at target. */
  isDone?: (row: V) => boolean;
  /** apply runs the effects after the state check and returns the references to record. */
  apply?: (transaction: Transaction, row: V) => Promise<References<R> | void>;
}

/**
 * transition runs one status change in its own transaction (`<noun>_<target>`): lock the row,
 * return it when done already, check the machine, apply the effects, then writeTransition.
 * @throws DomainError `not_found` (404), the machine's refusal (409), or what `apply` throws.
 */
export async function transition<S extends string, V extends StatefulRow<S>, R extends string>(
  db: Db,
  table: StatefulTable<S, V, R>,
  input: TransitionInput<S, V, R>,
): Promise<V> {
  return withTransaction(db, `${table.noun}_${input.target}`, async (transaction) => {
    const row = await table.lock(db, transaction, input.id);
    const isDone = input.isDone ?? ((current: V) => current.status === input.target);
    if (isDone(row)) return row;
    table.machine.assertTransition(row.status, input.target);
    const references = (await input.apply?.(transaction, row)) ?? {};
    return writeTransition(db, transaction, table, { row, target: input.target, references });
  });
}
