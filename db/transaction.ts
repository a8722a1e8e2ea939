import { QueryTypes, Transaction } from 'sequelize';
import { DomainError } from '../domain/errors';
import { lockWait, txAttempts, txDuration, txFailures } from '../lib/metrics';
import { currentDeadline, remainingMs } from '../lib/request-deadline';
import type { Db } from './connection';

/**
 * failureReason classifies a transaction error for metrics and retry decisions: the SPEC code
 * of a DomainError, or the PostgreSQL class of an infrastructure error (SQLSTATE 40P01
 * deadlock, 40001 serialization, 55P03 lock_timeout, 57014 statement_timeout).
 */
export function failureReason(err: unknown): string {
  if (err instanceof DomainError) return err.code;
  const code = pgCode(err);
  switch (code) {
    case '40P01':
      return 'deadlock';
    case '40001':
      return 'serialization';
    case '55P03':
      return 'lock_timeout';
    case '57014':
      return 'statement_timeout';
    case '23505':
      return 'unique_violation';
    case '23514':
      return 'check_violation';
    default:
      return 'other';
  }
}

/** pgCode returns the SQLSTATE of a pg or Sequelize error, if any. */
export function pgCode(err: unknown): string | undefined {
  const e = err as { original?: { code?: string }; parent?: { code?: string }; code?: string };
  return e?.original?.code ?? e?.parent?.code ?? (typeof e?.code === 'string' ? e.code : undefined);
}

/**
 * withTransaction runs `fn` in one READ COMMITTED transaction with `lock_timeout` and
 * `statement_timeout` (capped inside a request by its deadline, so a write never outlives its
 * Idempotency-Key's lease, SPEC.md §1) and records attempts, failures and duration as `tx`.
 * @throws DomainError `unavailable` (503) when the request's time ran out before the write.
 */
export async function withTransaction<T>(
  db: Db,
  tx: string,
  fn: (transaction: Transaction) => Promise<T>,
): Promise<T> {
  assertTimeLeft();
  txAttempts.inc({ tx });
  const stopTimer = txDuration.startTimer({ tx });
  try {
    const result = await db.sequelize.transaction(
      { isolationLevel: Transaction.ISOLATION_LEVELS.READ_COMMITTED },
      async (transaction) => {
        const [lockMs, statementMs] = [db.lockTimeoutMs, db.statementTimeoutMs].map(
          cappedByDeadline,
        );
        await db.sequelize.query(
          `SET LOCAL lock_timeout = ${lockMs}; SET LOCAL statement_timeout = ${statementMs}`,
          { transaction },
        );
        return fn(transaction);
      },
    );
    stopTimer({ outcome: 'committed' });
    return result;
  } catch (err) {
    stopTimer({ outcome: 'rolled_back' });
    txFailures.inc({ tx, reason: failureReason(err) });
    throw err;
  }
}

/**
 * cappedByDeadline is a timeout of `configuredMs` cut to what the current request has left
 * (whole ms, at least 1: PostgreSQL reads 0 as "no timeout").
 * @throws DomainError `unavailable` (503) when nothing is left.
 */
function cappedByDeadline(configuredMs: number): number {
  const leftMs = remainingMs();
  if (leftMs === undefined) return Math.trunc(configuredMs);
  assertTimeLeft();
  return Math.max(1, Math.trunc(Math.min(configuredMs, leftMs)));
}

/** assertTimeLeft refuses to start a write once the current request's deadline has passed. */
function assertTimeLeft(): void {
  const leftMs = remainingMs();
  if (leftMs === undefined || leftMs >= 1) return;
  throw new DomainError(
    'unavailable',
    'The request ran out of time before its write started; retry with the same Idempotency-Key',
    {},
    { 'retry-after': '1' },
  );
}

/**
 * lockRows runs a `SELECT … FOR UPDATE` inside `transaction` and records how long it waited
 * under `table`. The SQL must order rows by primary key ascending (the lock order rule).
 */
export async function lockRows<R extends object>(
  db: Db,
  transaction: Transaction,
  table: string,
  sql: string,
  bind: unknown[],
): Promise<R[]> {
  const stopTimer = lockWait.startTimer({ table });
  try {
    return await db.sequelize.query<R>(sql, { bind, transaction, type: QueryTypes.SELECT });
  } finally {
    stopTimer();
  }
}

/** query runs a read or write statement with bind parameters and returns its rows. */
export async function query<R extends object>(
  db: Db,
  sql: string,
  bind: unknown[] = [],
  transaction?: Transaction,
): Promise<R[]> {
  return db.sequelize.query<R>(sql, { bind, transaction, type: QueryTypes.SELECT });
}

/**
 * execute runs a write statement and returns the rows it RETURNs, if any. Outside a
 * transaction but inside a request that holds an Idempotency-Key, the statement runs in a
 * transaction of its own, so that the request's deadline bounds it like any other write
 * (withTransaction) and it cannot outlive the key's lease.
 */
export async function execute<R extends object>(
  db: Db,
  sql: string,
  bind: unknown[] = [],
  transaction?: Transaction,
): Promise<R[]> {
  if (!transaction && currentDeadline()?.guardsKey)
    return withTransaction(db, 'statement', (own) => execute<R>(db, sql, bind, own));
  const [rows] = await db.sequelize.query(sql, { bind, transaction, type: QueryTypes.RAW });
  return rows as R[];
}
