import { Sequelize } from 'sequelize';
import { initModels, type Models } from './models';

/** Db bundles the Sequelize instance with its models and the transaction timeouts to apply. */
export interface Db {
  sequelize: Sequelize;
  models: Models;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}

/** CreateDbInput configures one connection pool. */
export interface CreateDbInput {
  databaseUrl: string;
  /** poolMax bounds the connections this process opens (DB_POOL_MAX). */
  poolMax: number;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}

/**
 * createDb opens a Sequelize pool on PostgreSQL with an explicit pool size and acquire
 * timeout, and defines the models. The caller closes it with `db.sequelize.close()`.
 */
export function createDb(input: CreateDbInput): Db {
  const sequelize = new Sequelize(input.databaseUrl, {
    dialect: 'postgres',
    logging: false,
    pool: { max: input.poolMax, min: 0, acquire: 30_000, idle: 10_000, evict: 5_000 },
    dialectOptions: { application_name: 'holdfast' },
  });
  const models = initModels(sequelize);
  return {
    sequelize,
    models,
    lockTimeoutMs: input.lockTimeoutMs,
    statementTimeoutMs: input.statementTimeoutMs,
  };
}

/**
 * toSafeInt converts a BIGINT that pg returns as a string into a number, asserting it is a
 * safe integer (money never exceeds 2^53 − 1 minor units here; a larger value is a bug).
 */
export function toSafeInt(value: string | number | bigint | null | undefined): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`Integer out of safe range: ${String(value)}`);
  return n;
}
