import pg from 'pg';
import { Sequelize } from 'sequelize';
import type { Config } from '../config';
import { initModels, type Models } from './models';

/** Db bundles the Sequelize instance with its models and the transaction timeouts to apply. */
export interface Db {
  sequelize: Sequelize;
  models: Models;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}

/**
 * DbConfig is the part of Config a connection pool is built from: DATABASE_URL, DB_POOL_MAX
 * (connections this process opens), DB_LOCK_TIMEOUT and DB_STATEMENT_TIMEOUT (in ms), and
 * READ_STATEMENT_TIMEOUT (ms; absent or 0: statements outside a transaction are unbounded, for
 * migrations and operator scripts that scan whole tables).
 */
export type DbConfig = Pick<
  Config,
  'databaseUrl' | 'dbPoolMax' | 'dbLockTimeoutMs' | 'dbStatementTimeoutMs'
> &
  Partial<Pick<Config, 'readStatementTimeoutMs'>>;

/**
 * GuardedClient is pg's Client with an `error` listener from construction, because pg can emit
 * `error` (FATAL 57P01 on PostgreSQL shutdown) before Sequelize attaches its listener a microtask
 * later, and an unheard `error` kills the process. The listener marks the connection invalid, so
 * the pool drops it and the query fails as a ConnectionError (503).
 */
class GuardedClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', () => {
      (this as unknown as { _invalid: boolean })._invalid = true;
    });
  }
}

/** GUARDED_PG is the `pg` module as Sequelize sees it, with GuardedClient as its Client. */
const GUARDED_PG: typeof pg = Object.create(pg, { Client: { value: GuardedClient } });

/**
 * createDb builds the one Sequelize pool from configuration (explicit size, acquire timeout,
 * models). Connections start with `statement_timeout` = readStatementTimeoutMs, so a slow read
 * outside a transaction is cancelled (57014 → 503) instead of starving the pool; withTransaction
 * overrides it with SET LOCAL. Close with `db.sequelize.close()`.
 * @throws Error `Invalid configuration`, naming `requiredBy`, when DATABASE_URL is unset.
 */
export function createDb(config: DbConfig, requiredBy = 'this command'): Db {
  if (!config.databaseUrl)
    throw new Error(`Invalid configuration:\n  DATABASE_URL: required by ${requiredBy}`);
  const sequelize = new Sequelize(config.databaseUrl, {
    dialect: 'postgres',
    dialectModule: GUARDED_PG,
    logging: false,
    pool: { max: config.dbPoolMax, min: 0, acquire: 30_000, idle: 10_000, evict: 5_000 },
    dialectOptions: {
      application_name: 'holdfast',
      ...(config.readStatementTimeoutMs
        ? { statement_timeout: Math.trunc(config.readStatementTimeoutMs) }
        : {}),
    },
  });
  const models = initModels(sequelize);
  return {
    sequelize,
    models,
    lockTimeoutMs: config.dbLockTimeoutMs,
    statementTimeoutMs: config.dbStatementTimeoutMs,
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

/** pingDb resolves once PostgreSQL answers a trivial statement, and rejects when it cannot. */
export async function pingDb(db: Db): Promise<void> {
  await db.sequelize.query('SELECT 1');
}
