import { describe, expect, it } from 'vitest';
import { DEV_JWT_SECRET, loadConfig, SERVICE_ENTRY } from '../../config';

/** messageOf returns the message loadConfig throws for `env`, or fails the test when it does not throw. */
function messageOf(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    return (err as Error).message;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

const DURATIONS = [
  ['DB_LOCK_TIMEOUT', 'dbLockTimeoutMs'],
  ['DB_STATEMENT_TIMEOUT', 'dbStatementTimeoutMs'],
  ['ORDER_PAYMENT_TTL', 'orderPaymentTtlMs'],
  ['IDEMPOTENCY_WAIT_TIMEOUT', 'idempotencyWaitTimeoutMs'],
  ['ORDER_BACKOFF_BASE', 'orderBackoffBaseMs'],
  ['ORDER_BACKOFF_MAX', 'orderBackoffMaxMs'],
  ['ORDER_BACKOFF_RESET', 'orderBackoffResetMs'],
  ['DUPLICATE_WINDOW', 'duplicateWindowMs'],
  ['ORDER_GATE_TIMEOUT', 'orderGateTimeoutMs'],
] as const;

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});

    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 3000,
      temporalAddress: '127.0.0.1:7233',
      temporalNamespace: 'default',
      taskQueue: 'holdfast',
      logLevel: 'info',
      dbPoolMax: 10,
      dbLockTimeoutMs: 5_000,
      dbStatementTimeoutMs: 8_000,
      orderPaymentTtlMs: 15 * 60_000,
      idempotencyKeyTtlMs: 24 * 60 * 60_000,
      idempotencyWaitTimeoutMs: 30_000,
      auditCartMaxBytes: 8_192,
      workerMaxConcurrentActivities: 20,
      orderSubmissionsPerMinute: 3,
      bookingHeldUnitsMax: 10,
      writesPerMinute: 120,
      orderBackoffBaseMs: 1_000,
      orderBackoffMaxMs: 60_000,
      orderBackoffResetMs: 60 * 60_000,
      duplicateWindowMs: 5 * 60_000,
      orderGateHistoryMax: 200,
      orderGateTimeoutMs: 15_000,
      orderFailureRetentionDays: 90,
      bodyMaxBytes: 65_536,
      listLimitMax: 200,
      shutdownDrainDelayMs: 0,
    });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.jwtSecret.length).toBeGreaterThanOrEqual(16);
  });

  it('reads every variable docker-compose.yml sets, production included', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://holdfast:holdfast@postgres:5432/holdfast',
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_NAMESPACE: 'shop',
      TEMPORAL_TASK_QUEUE: 'holdfast-prod',
      JWT_SECRET: 'a-production-secret-of-32-chars!',
      PORT: '8080',
      LOG_LEVEL: 'warn',
      DB_POOL_MAX: '25',
      ORDER_PAYMENT_TTL: '30m',
      ORDER_SUBMISSIONS_PER_MINUTE: '5',
      BOOKING_HELD_UNITS_MAX: '6',
      WRITES_PER_MINUTE: '60',
      ORDER_BACKOFF_MAX: '2m',
      ORDER_BACKOFF_RESET: '2h',
      DUPLICATE_WINDOW: '10m',
      ORDER_FAILURE_RETENTION_DAYS: '30',
    });

    expect(config).toMatchObject({
      nodeEnv: 'production',
      databaseUrl: 'postgres://holdfast:holdfast@postgres:5432/holdfast',
      temporalAddress: 'temporal:7233',
      temporalNamespace: 'shop',
      taskQueue: 'holdfast-prod',
      jwtSecret: 'a-production-secret-of-32-chars!',
      port: 8080,
      logLevel: 'warn',
      dbPoolMax: 25,
      orderPaymentTtlMs: 30 * 60_000,
      orderSubmissionsPerMinute: 5,
      bookingHeldUnitsMax: 6,
      writesPerMinute: 60,
      orderBackoffMaxMs: 2 * 60_000,
      orderBackoffResetMs: 2 * 60 * 60_000,
      duplicateWindowMs: 10 * 60_000,
      orderFailureRetentionDays: 30,
    });
  });

  it.each([
    ['15m', 900_000],
    ['3s', 3_000],
    ['250ms', 250],
    ['24h', 86_400_000],
    ['1.5s', 1_500],
  ])('parses the duration %s to %i ms', (value, ms) => {
    for (const [variable, field] of DURATIONS) {
      expect(loadConfig({ [variable]: value })[field]).toBe(ms);
    }
  });

  it.each(['abc', '0s', '-1m', '', '1h30m'])(
    'refuses the duration %j, naming the variable and the value',
    (value) => {
      for (const [variable] of DURATIONS) {
        const message = messageOf({ [variable]: value });

        expect(message).toContain(`${variable}:`);
        expect(message).toContain(`"${value}"`);
      }
    },
  );

  it('names every bad variable at once', () => {
    const message = messageOf({
      ORDER_PAYMENT_TTL: 'soon',
      DB_POOL_MAX: '0',
      LOG_LEVEL: 'loud',
      PORT: '70000',
    });

    expect(message).toContain('ORDER_PAYMENT_TTL:');
    expect(message).toContain('DB_POOL_MAX:');
    expect(message).toContain('LOG_LEVEL:');
    expect(message).toContain('PORT:');
  });

  it.each([
    ['DB_POOL_MAX', '0'],
    ['DB_POOL_MAX', '201'],
    ['DB_POOL_MAX', '2.5'],
    ['WORKER_MAX_CONCURRENT_ACTIVITIES', 'many'],
    ['PORT', '-1'],
    ['DATABASE_URL', 'not a url'],
    ['NODE_ENV', 'staging'],
    ['JWT_SECRET', 'too-short'],
    ['TEMPORAL_ADDRESS', 'x'],
    ['PORT', ''],
    ['PORT', ' '],
    ['PORT', '0x10'],
    ['WORKER_METRICS_PORT', ''],
    ['ORDER_PAYMENT_TTL', '15'],
    ['ORDER_PAYMENT_TTL', '0.1ms'],
    ['ORDER_PAYMENT_TTL', '1000000000d'],
    ['ORDER_SUBMISSIONS_PER_MINUTE', '0'],
    ['ORDER_SUBMISSIONS_PER_MINUTE', 'three'],
    ['BOOKING_HELD_UNITS_MAX', '0'],
    ['WRITES_PER_MINUTE', '0'],
    ['WRITES_PER_MINUTE', '1.5'],
    ['ORDER_GATE_HISTORY_MAX', '10'],
    ['ORDER_FAILURE_RETENTION_DAYS', '0'],
    ['AUDIT_CART_MAX_BYTES', '255'],
    ['AUDIT_CART_MAX_BYTES', '65537'],
    ['AUDIT_CART_MAX_BYTES', '8KiB'],
    ['BODY_MAX_BYTES', '1023'],
    ['BODY_MAX_BYTES', '64KiB'],
    ['BODY_MAX_BYTES', '16777217'],
    ['LIST_LIMIT_MAX', '0'],
    ['LIST_LIMIT_MAX', '1001'],
    ['SHUTDOWN_DRAIN_DELAY', '5'],
    ['SHUTDOWN_DRAIN_DELAY', '-1s'],
  ])('refuses %s=%j, naming it', (variable, value) => {
    expect(messageOf({ [variable]: value })).toContain(`${variable}:`);
  });

  it('takes IDEMPOTENCY_KEY_TTL of 24 h or more and refuses less (SPEC.md §1: minimum 24 h)', () => {
    expect(loadConfig({ IDEMPOTENCY_KEY_TTL: '24h' }).idempotencyKeyTtlMs).toBe(86_400_000);
    expect(loadConfig({ IDEMPOTENCY_KEY_TTL: '7d' }).idempotencyKeyTtlMs).toBe(604_800_000);
    for (const value of ['23h', '1439m', '15m', '0s', 'soon']) {
      expect(messageOf({ IDEMPOTENCY_KEY_TTL: value })).toContain('IDEMPOTENCY_KEY_TTL:');
    }
    expect(messageOf({ IDEMPOTENCY_KEY_TTL: '23h' })).toContain('at least 24h');
  });

  it('takes AUDIT_CART_MAX_BYTES from 256 to 65536 bytes', () => {
    expect(loadConfig({ AUDIT_CART_MAX_BYTES: '256' }).auditCartMaxBytes).toBe(256);
    expect(loadConfig({ AUDIT_CART_MAX_BYTES: '65536' }).auditCartMaxBytes).toBe(65_536);
  });

  it('refuses NODE_ENV=production without JWT_SECRET rather than use the development secret', () => {
    const message = messageOf({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u:p@db:5432/holdfast',
    });

    expect(message).toContain('JWT_SECRET');
    expect(message).toContain('NODE_ENV=production');
  });

  it('refuses NODE_ENV=production with the published development secret', () => {
    const message = messageOf({
      NODE_ENV: 'production',
      JWT_SECRET: 'holdfast-development-secret-change-me',
    });

    expect(message).toContain('JWT_SECRET');
  });

  it('takes JWT_SECRET when NODE_ENV=production sets one of at least 32 bytes', () => {
    const secret = 'x'.repeat(32);
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret });

    expect(config.jwtSecret).toBe(secret);
  });

  it('refuses a JWT_SECRET shorter than 32 bytes when NODE_ENV=production', () => {
    const message = messageOf({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(31) });

    expect(message).toContain('JWT_SECRET: at least 32 bytes');
    expect(loadConfig({ JWT_SECRET: 'x'.repeat(16) }).jwtSecret).toHaveLength(16);
  });

  it('takes BODY_MAX_BYTES, LIST_LIMIT_MAX and SHUTDOWN_DRAIN_DELAY (0 switches the delay off)', () => {
    const config = loadConfig({
      BODY_MAX_BYTES: '1024',
      LIST_LIMIT_MAX: '1000',
      SHUTDOWN_DRAIN_DELAY: '10s',
    });

    expect(config).toMatchObject({
      bodyMaxBytes: 1_024,
      listLimitMax: 1_000,
      shutdownDrainDelayMs: 10_000,
    });
    expect(loadConfig({ SHUTDOWN_DRAIN_DELAY: '0' }).shutdownDrainDelayMs).toBe(0);
  });
});

describe('loadConfig for the API and worker entries (SERVICE_ENTRY)', () => {
  it('refuses an environment without JWT_SECRET, NODE_ENV unset, rather than use the public development secret', () => {
    let message = '';
    try {
      loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/holdfast' }, SERVICE_ENTRY);
    } catch (err) {
      message = (err as Error).message;
    }

    expect(message).toMatch(/^Invalid configuration:\n {2}JWT_SECRET: required/);
  });

  it('takes a JWT_SECRET that is set, and marks the development one as such when it is given', () => {
    const own = loadConfig({ JWT_SECRET: 'a-secret-of-my-own-0123456789abc' }, SERVICE_ENTRY);
    const development = loadConfig({ JWT_SECRET: DEV_JWT_SECRET }, SERVICE_ENTRY);

    expect(own).toMatchObject({ jwtSecret: 'a-secret-of-my-own-0123456789abc' });
    expect(own.jwtSecretIsDevelopment).toBe(false);
    expect(development.jwtSecretIsDevelopment).toBe(true);
  });

  it('keeps the development fallback for the local tools that do not serve (token, migrate)', () => {
    const config = loadConfig({});

    expect(config.jwtSecret).toBe(DEV_JWT_SECRET);
    expect(config.jwtSecretIsDevelopment).toBe(true);
  });
});
