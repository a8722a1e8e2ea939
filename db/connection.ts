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
 * GuardedClient is pg's Client with an `error` listener from its construction. pg emits a
 * connection's `error` (PostgreSQL shutting down sends FATAL 57P01) synchronously while it
 * parses the chunk that also ends the connecting, before Sequelize attaches its own listener a
 * microtask later, and an `error` without a listener kills the process when PostgreSQL
 * restarts. The listener marks the connection
 * invalid, so the pool drops it and the query fails as a ConnectionError (a 503).
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
 * createDb is the one place a pool is built from configuration: a Sequelize pool on
 * PostgreSQL with an explicit size and acquire timeout, and the models defined. Every
 * connection opens with `statement_timeout` = readStatementTimeoutMs (a startup parameter, so
 * it costs no round trip): a read outside a transaction (db/transaction.ts `query`, model
 * finders) that is slow or waits on a lock is cancelled by PostgreSQL (57014, mapped to 503
 * `unavailable`) and its connection goes back to the pool, so slow reads cannot starve it.
 * withTransaction overrides it with SET LOCAL for its own statements. The caller closes the
 * pool with `db.sequelize.close()`. `requiredBy` names the process in the error.
 * @throws Error `Invalid configuration` when DATABASE_URL is unset.
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
