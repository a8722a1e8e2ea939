import { z } from 'zod';
import { bool, durationMs, durationOrZeroMs, int } from './config-parsers';
import { DAY_MS } from './domain/duration';
import { GATE_HISTORY_EVENTS_MAX_DEFAULT } from './domain/order-gate';
import { LIST_LIMIT_MAX_DEFAULT, LIST_LIMIT_MAX_MAX } from './domain/schemas';
import {
  AUDIT_CART_MAX_BYTES_DEFAULT,
  AUDIT_CART_MAX_BYTES_MAX,
  AUDIT_CART_MAX_BYTES_MIN,
} from './domain/order-failures-cart';

/**
 * JWT_SECRET_PRODUCTION_MIN_BYTES is the shortest JWT_SECRET production accepts: an HS256 key
 * at least as long as the SHA-256 output (RFC 7518 §3.2).
 */
const JWT_SECRET_PRODUCTION_MIN_BYTES = 32;

/**
 * DEV_JWT_SECRET signs tokens in development only. It is public (it is in this file), so anyone
 * can sign a staff token with it: production refuses it, the API and worker entries start only
 * with a JWT_SECRET given explicitly (`npm run dev` passes this one, saying so), and the API
 * logs a warning whenever it runs with it.
 */
export const DEV_JWT_SECRET = 'holdfast-development-secret-change-me';

/**
 * BODY_MAX_BYTES_DEFAULT is the largest request body the API accepts by default (SPEC.md §1:
 * over 64 KiB → 413); BODY_MAX_BYTES takes 1 KiB to 16 MiB.
 */
const BODY_MAX_BYTES_DEFAULT = 64 * 1024;
const BODY_MAX_BYTES_MIN = 1024;
const BODY_MAX_BYTES_MAX = 16 * 1024 * 1024;

/**
 * IDEMPOTENCY_KEY_TTL_MIN_MS is IDEMPOTENCY_KEY_TTL's default and minimum: a key is honoured
 * for at least 24 h (SPEC.md §1), longer than any client's retry window.
 */
const IDEMPOTENCY_KEY_TTL_MIN_MS = 24 * 60 * 60_000;

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: int(1, 65535).default(3000),
  DATABASE_URL: z.url().optional(),
  TEMPORAL_ADDRESS: z.string().min(3).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('holdfast'),
  JWT_SECRET: z.string().min(16).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DB_POOL_MAX: int(1, 200).default(10),
  DB_LOCK_TIMEOUT: durationMs.default(5_000),
  DB_STATEMENT_TIMEOUT: durationMs.default(8_000),
  READ_STATEMENT_TIMEOUT: durationMs.default(5_000),
  ORDER_PAYMENT_TTL: durationMs.default(15 * 60_000),
  BOOKING_HOLD_TTL: durationMs.default(10 * 60_000),
  ROOM_HORIZON_NIGHTS: int(1, 3650).default(365),
  APPROVAL_TTL: durationMs.default(7 * 24 * 60 * 60_000),
  PAYMENT_REQUEST_MAX_MINOR: int(1, 1_000_000_000_000).default(10_000_000),
  ORDER_SUBMISSIONS_PER_MINUTE: int(1, 100_000).default(3),
  BOOKING_HELD_UNITS_MAX: int(1, 1_000_000).default(10),
  WRITES_PER_MINUTE: int(1, 1_000_000).default(120),
  ORDER_BACKOFF_BASE: durationMs.default(1_000),
  ORDER_BACKOFF_MAX: durationMs.default(60_000),
  ORDER_BACKOFF_RESET: durationMs.default(60 * 60_000),
  DUPLICATE_WINDOW: durationMs.default(5 * 60_000),
  ORDER_GATE_HISTORY_MAX: int(20, 50_000).default(GATE_HISTORY_EVENTS_MAX_DEFAULT),
  ORDER_GATE_TIMEOUT: durationMs.default(15_000),
  ORDER_FAILURE_RETENTION_DAYS: int(1, 3650).default(90),
  IDEMPOTENCY_KEY_TTL: durationMs
    .pipe(z.number().min(IDEMPOTENCY_KEY_TTL_MIN_MS, 'must be at least 24h (SPEC.md §1)'))
    .default(IDEMPOTENCY_KEY_TTL_MIN_MS),
  AUDIT_CART_MAX_BYTES: int(AUDIT_CART_MAX_BYTES_MIN, AUDIT_CART_MAX_BYTES_MAX).default(
    AUDIT_CART_MAX_BYTES_DEFAULT,
  ),
  IDEMPOTENCY_WAIT_TIMEOUT: durationMs.default(30_000),
  REQUEST_TIMEOUT: durationMs.default(45_000),
  SHUTDOWN_DRAIN_DELAY: durationOrZeroMs.default(0),
  BODY_MAX_BYTES: int(BODY_MAX_BYTES_MIN, BODY_MAX_BYTES_MAX).default(BODY_MAX_BYTES_DEFAULT),
  LIST_LIMIT_MAX: int(1, LIST_LIMIT_MAX_MAX).default(LIST_LIMIT_MAX_DEFAULT),
  WORKER_MAX_CONCURRENT_ACTIVITIES: int(1, 1000).default(20),
  METRICS_PORT: int(0, 65535).default(0),
  WORKER_METRICS_PORT: int(0, 65535).default(9464),
  TEMPORAL_SDK_METRICS_PORT: int(0, 65535).default(9465),
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
  WORKER_WORKFLOW_TASK_SLOTS: int(2, 1000).optional(),
  WORKER_WORKFLOW_TASK_POLLS: int(2, 1000).optional(),
  WORKER_NON_STICKY_POLL_PERCENT: int(1, 100).optional(),
  WORKER_CACHED_WORKFLOWS: int(0, 1_000_000).optional(),
  TEMPORAL_PERSISTENCE: z.enum(['sqlite', 'postgres']).default('sqlite'),
  TEMPORAL_HISTORY_SHARDS: int(1, 1024).default(4),
  WEBHOOK_ALLOW_HTTP: bool.default(false),
  WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  WEBHOOK_TIMEOUT: durationMs.default(10_000),
  WEBHOOK_BACKOFF_BASE: durationMs.default(5_000),
  WEBHOOK_BACKOFF_MAX: durationMs.default(60 * 60_000),
  WEBHOOK_RETRY_FOR: durationMs.default(3 * DAY_MS),
  WEBHOOK_FAILURES_TO_DISABLE: int(1, 1_000_000).default(5),
  EVENT_RETENTION_DAYS: int(1, 3650).default(30),
});

/**
 * Config is holdfast's validated configuration. Every field comes from the environment
 * variable of the same name in SCREAMING_CASE; durations are in milliseconds (`…Ms`).
 */
export interface Config {
  nodeEnv: 'development' | 'test' | 'production';
  port: number;
  databaseUrl: string | undefined;
  temporalAddress: string;
  temporalNamespace: string;
  taskQueue: string;
  /**
   * jwtSecret is the HS256 secret of bearer tokens (JWT_SECRET). Unset, it is DEV_JWT_SECRET,
   * except where loadConfig is asked to require it (the API and worker entries).
   */
  jwtSecret: string;
  /** jwtSecretIsDevelopment is true when jwtSecret is the public DEV_JWT_SECRET. */
  jwtSecretIsDevelopment: boolean;
  logLevel: string;
  dbPoolMax: number;
  dbLockTimeoutMs: number;
  dbStatementTimeoutMs: number;
  /**
   * readStatementTimeoutMs bounds every statement that runs outside a transaction, reads above
   * all (READ_STATEMENT_TIMEOUT, default 5 s, below REQUEST_TIMEOUT): PostgreSQL cancels it
   * (57014, a 503 `unavailable`), so a slow or blocked read gives its pool connection back
   * instead of holding it (db/connection.ts). Transactions set their own DB_STATEMENT_TIMEOUT.
   */
  readStatementTimeoutMs: number;
  orderPaymentTtlMs: number;
  /** bookingHoldTtlMs is how long a reserved booking holds its seats or nights (SPEC.md §6). */
  bookingHoldTtlMs: number;
  /**
   * roomHorizonNights is how far ahead stays may be booked, in nights from today (UTC): a room
   * type's nights are created that far ahead, and later ones on demand as days pass.
   */
  roomHorizonNights: number;
  /** approvalTtlMs is how long a payment request waits for a decision before it expires (SPEC.md §7). */
  approvalTtlMs: number;
  /** paymentRequestMaxMinor is the largest amount one payment request may ask for, in minor units. */
  paymentRequestMaxMinor: number;
  /** orderSubmissionsPerMinute is how many submissions one customer's gate takes per minute (SPEC.md §8). */
  orderSubmissionsPerMinute: number;
  /**
   * bookingHeldUnitsMax is how many seats plus room-nights one customer's unconfirmed
   * (`reserved`, unexpired) bookings may hold at once (SPEC.md §10: 10); read by the worker,
   * whose placement transaction enforces it (429 `hold_limit`).
   */
  bookingHeldUnitsMax: number;
  /**
   * writesPerMinute is how many state-changing /v1 requests (POST /v1/orders aside) one
   * customer or operator may send per minute, across every API replica (SPEC.md §10: 120;
   * staff are not limited; 429 `throttled`).
   */
  writesPerMinute: number;
  /**
   * orderBackoffBaseMs is the unit of the gate's backoff: after n consecutive failed submissions
   * the next is refused for orderBackoffBaseMs × 2^n (SPEC.md §8: 2^n s, so 1 s by default).
   */
  orderBackoffBaseMs: number;
  /** orderBackoffMaxMs caps one backoff (SPEC.md §8: 60 s). */
  orderBackoffMaxMs: number;
  /** orderBackoffResetMs without a failure resets the failure count (SPEC.md §8: 1 h). */
  orderBackoffResetMs: number;
  /** duplicateWindowMs is how long the same lines without an Idempotency-Key are a duplicate (5 min). */
  duplicateWindowMs: number;
  /** orderGateHistoryMax is the history length (events) at which a gate continues as new. */
  orderGateHistoryMax: number;
  /** orderGateTimeoutMs bounds how long the API waits for the gate's answer before 503. */
  orderGateTimeoutMs: number;
  /** orderFailureRetentionDays is how long order_failures rows are kept (SPEC.md §8: 90). */
  orderFailureRetentionDays: number;
  /**
   * idempotencyKeyTtlMs is how long an Idempotency-Key is honoured (at least 24 h, SPEC.md
   * §1); the `retention-idempotency-keys` Schedule deletes keys past it.
   */
  idempotencyKeyTtlMs: number;
  idempotencyWaitTimeoutMs: number;
  /**
   * auditCartMaxBytes is the most of a refused order's body its `order_failures` row keeps, in
   * UTF-8 bytes of JSON (AUDIT_CART_MAX_BYTES, 256–65536, default 8 KiB, SPEC.md §10); larger
   * bodies are stored truncated (domain/order-failures-cart.ts).
   */
  auditCartMaxBytes: number;
  /**
   * requestTimeoutMs caps one /v1 request (REQUEST_TIMEOUT): past it the client gets 503 and
   * retries with its Idempotency-Key. Above ORDER_GATE_TIMEOUT and IDEMPOTENCY_WAIT_TIMEOUT,
   * which bound the waits inside a request.
   */
  requestTimeoutMs: number;
  /**
   * shutdownDrainDelayMs is how long the API, on SIGTERM, answers `/readyz` 503 while still
   * taking new requests, before it closes its listener (SHUTDOWN_DRAIN_DELAY, default 0): long
   * enough for a load balancer's probe to see it and route elsewhere. In-flight requests then
   * get up to requestTimeoutMs to finish.
   */
  shutdownDrainDelayMs: number;
  /** bodyMaxBytes is the largest request body accepted (BODY_MAX_BYTES, SPEC.md §1: 64 KiB → 413). */
  bodyMaxBytes: number;
  /**
   * listLimitMax is the largest `limit` a list endpoint takes (LIST_LIMIT_MAX, 1 to
   * LIST_LIMIT_MAX_MAX, SPEC.md §1: 200); a larger one is refused 422 `validation_failed`.
   */
  listLimitMax: number;
  workerMaxConcurrentActivities: number;
  /**
   * metricsPort moves the API's `/metrics` off its public port (SPEC.md §9: metrics are for the
   * operator, not the internet): above 0, `/metrics` is served only on this port and the API port
   * answers it 404; 0 (the default, for `npm run dev` and the tests) serves it on PORT as well.
   */
  metricsPort: number;
  /** workerMetricsPort serves the worker's /metrics (0 disables it). */
  workerMetricsPort: number;
  /** temporalSdkMetricsPort serves the Temporal SDK's own worker metrics (0 disables it). */
  temporalSdkMetricsPort: number;
  /** workflowBundlePath is a pre-built workflow bundle; unset, the worker bundles at start. */
  workflowBundlePath: string | undefined;
  /**
   * workerTuning overrides the worker's workflow-task settings (worker/create.ts
   * WORKER_TUNING_DEFAULTS): WORKER_WORKFLOW_TASK_SLOTS, WORKER_WORKFLOW_TASK_POLLS,
   * WORKER_NON_STICKY_POLL_PERCENT (share of polls on the queue of new workflows, in percent)
   * and WORKER_CACHED_WORKFLOWS. Unset fields keep the defaults.
   */
  workerTuning: {
    workflowTaskSlotsMax?: number;
    workflowTaskPollsMax?: number;
    nonStickyPollRatio?: number;
    cachedWorkflowsMax?: number;
  };
  /**
   * temporalPersistence picks the Temporal server `npm run dev` starts when TEMPORAL_ADDRESS is
   * unset: `sqlite`, the CLI's dev server with Web UI; `postgres`, the full server (no Web UI)
   * on the same PostgreSQL as holdfast (tools/stack/temporal-server.ts).
   */
  temporalPersistence: 'sqlite' | 'postgres';
  /**
   * temporalHistoryShards is the full server's history shard count (`postgres` only), fixed when
   * its databases are first set up.
   */
  temporalHistoryShards: number;
  /** webhookAllowHttp lets endpoint URLs use `http` (WEBHOOK_ALLOW_HTTP; development only). */
  webhookAllowHttp: boolean;
  /** webhookAllowPrivate lets them name loopback, private and link-local addresses. */
  webhookAllowPrivate: boolean;
  /** webhookTimeoutMs is how long one delivery attempt waits for a 2xx (SPEC.md §11: 10 s). */
  webhookTimeoutMs: number;
  /** webhookBackoffBaseMs is the first retry's delay, doubling per attempt (5 s). */
  webhookBackoffBaseMs: number;
  /** webhookBackoffMaxMs caps one retry's delay (1 h). */
  webhookBackoffMaxMs: number;
  /** webhookRetryForMs is how long a delivery is retried before it is `failed` (3 days). */
  webhookRetryForMs: number;
  /** webhookFailuresToDisable failed deliveries in a row disable an endpoint (5). */
  webhookFailuresToDisable: number;
  /** eventRetentionDays is how long events and deliveries are kept (SPEC.md §11: 30). */
  eventRetentionDays: number;
}

/**
 * assertProductionSecret checks JWT_SECRET when NODE_ENV=production: not the published
 * development secret, and at least JWT_SECRET_PRODUCTION_MIN_BYTES long.
 * @throws Error naming JWT_SECRET and the rule it breaks.
 */
function assertProductionSecret(secret: string): void {
  if (secret === DEV_JWT_SECRET) {
    throw new Error(
      'Invalid configuration:\n  JWT_SECRET: set a secret of your own when NODE_ENV=production',
    );
  }
  if (Buffer.byteLength(secret) < JWT_SECRET_PRODUCTION_MIN_BYTES) {
    throw new Error(
      `Invalid configuration:\n  JWT_SECRET: at least ${JWT_SECRET_PRODUCTION_MIN_BYTES} bytes when NODE_ENV=production (HS256 keys as long as the hash, RFC 7518 §3.2)`,
    );
  }
}

/**
 * jwtSecretOf is the JWT_SECRET to run with: the one set, else DEV_JWT_SECRET unless
 * `options.requireJwtSecret`; production's rules apply (assertProductionSecret).
 * @throws Error "Invalid configuration: JWT_SECRET …" when it is required and unset.
 */
function jwtSecretOf(
  e: { NODE_ENV: Config['nodeEnv']; JWT_SECRET?: string | undefined },
  options: LoadConfigOptions,
): string {
  if (e.JWT_SECRET === undefined && options.requireJwtSecret) {
    throw new Error(
      'Invalid configuration:\n  JWT_SECRET: required to start the API or the worker; set a random secret of at least 32 bytes (openssl rand -hex 32). Only `npm run dev` runs with the public development secret',
    );
  }
  const jwtSecret = e.JWT_SECRET ?? DEV_JWT_SECRET;
  if (e.NODE_ENV === 'production') assertProductionSecret(jwtSecret);
  return jwtSecret;
}

/** LoadConfigOptions say what the process loading its configuration insists on. */
export interface LoadConfigOptions {
  /**
   * requireJwtSecret refuses an unset JWT_SECRET instead of falling back to the public
   * DEV_JWT_SECRET: the API and worker entries (`npm run start:api`, `start:worker`) set it, so
   * a deployment that forgot the secret stops instead of accepting tokens anyone can sign.
   */
  requireJwtSecret?: boolean;
}

/**
 * SERVICE_ENTRY is how the API and worker entries load their configuration: JWT_SECRET must be
 * given (`npm run dev` gives DEV_JWT_SECRET explicitly, and says so).
 */
export const SERVICE_ENTRY: LoadConfigOptions = { requireJwtSecret: true };

/** webhookConfigOf maps the parsed webhook and event variables (SPEC.md §11) onto Config. */
function webhookConfigOf(e: z.infer<typeof envSchema>) {
  return {
    webhookAllowHttp: e.WEBHOOK_ALLOW_HTTP,
    webhookAllowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
    webhookTimeoutMs: e.WEBHOOK_TIMEOUT,
    webhookBackoffBaseMs: e.WEBHOOK_BACKOFF_BASE,
    webhookBackoffMaxMs: e.WEBHOOK_BACKOFF_MAX,
    webhookRetryForMs: e.WEBHOOK_RETRY_FOR,
    webhookFailuresToDisable: e.WEBHOOK_FAILURES_TO_DISABLE,
    eventRetentionDays: e.EVENT_RETENTION_DAYS,
  };
}

/**
 * loadConfig validates `env` (default: process.env) and returns the Config.
 * @throws Error naming every bad variable, so a process stops at start-up with a clear message;
 *   with `options.requireJwtSecret`, "Invalid configuration: JWT_SECRET …" when it is unset.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  options: LoadConfigOptions = {},
): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const jwtSecret = jwtSecretOf(e, options);
  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    temporalAddress: e.TEMPORAL_ADDRESS,
    temporalNamespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    jwtSecret,
    jwtSecretIsDevelopment: jwtSecret === DEV_JWT_SECRET,
    logLevel: e.LOG_LEVEL,
    dbPoolMax: e.DB_POOL_MAX,
    dbLockTimeoutMs: e.DB_LOCK_TIMEOUT,
    dbStatementTimeoutMs: e.DB_STATEMENT_TIMEOUT,
    readStatementTimeoutMs: e.READ_STATEMENT_TIMEOUT,
    orderPaymentTtlMs: e.ORDER_PAYMENT_TTL,
    bookingHoldTtlMs: e.BOOKING_HOLD_TTL,
    roomHorizonNights: e.ROOM_HORIZON_NIGHTS,
    approvalTtlMs: e.APPROVAL_TTL,
    paymentRequestMaxMinor: e.PAYMENT_REQUEST_MAX_MINOR,
    orderSubmissionsPerMinute: e.ORDER_SUBMISSIONS_PER_MINUTE,
    bookingHeldUnitsMax: e.BOOKING_HELD_UNITS_MAX,
    writesPerMinute: e.WRITES_PER_MINUTE,
    orderBackoffBaseMs: e.ORDER_BACKOFF_BASE,
    orderBackoffMaxMs: e.ORDER_BACKOFF_MAX,
    orderBackoffResetMs: e.ORDER_BACKOFF_RESET,
    duplicateWindowMs: e.DUPLICATE_WINDOW,
    orderGateHistoryMax: e.ORDER_GATE_HISTORY_MAX,
    orderGateTimeoutMs: e.ORDER_GATE_TIMEOUT,
    orderFailureRetentionDays: e.ORDER_FAILURE_RETENTION_DAYS,
    idempotencyKeyTtlMs: e.IDEMPOTENCY_KEY_TTL,
    idempotencyWaitTimeoutMs: e.IDEMPOTENCY_WAIT_TIMEOUT,
    auditCartMaxBytes: e.AUDIT_CART_MAX_BYTES,
    requestTimeoutMs: e.REQUEST_TIMEOUT,
    shutdownDrainDelayMs: e.SHUTDOWN_DRAIN_DELAY,
    bodyMaxBytes: e.BODY_MAX_BYTES,
    listLimitMax: e.LIST_LIMIT_MAX,
    workerMaxConcurrentActivities: e.WORKER_MAX_CONCURRENT_ACTIVITIES,
    metricsPort: e.METRICS_PORT,
    workerMetricsPort: e.WORKER_METRICS_PORT,
    temporalSdkMetricsPort: e.TEMPORAL_SDK_METRICS_PORT,
    workflowBundlePath: e.WORKFLOW_BUNDLE_PATH,
    workerTuning: Object.fromEntries(
      Object.entries({
        workflowTaskSlotsMax: e.WORKER_WORKFLOW_TASK_SLOTS,
        workflowTaskPollsMax: e.WORKER_WORKFLOW_TASK_POLLS,
        nonStickyPollRatio:
          e.WORKER_NON_STICKY_POLL_PERCENT === undefined
            ? undefined
            : e.WORKER_NON_STICKY_POLL_PERCENT / 100,
        cachedWorkflowsMax: e.WORKER_CACHED_WORKFLOWS,
      }).filter(([, value]) => value !== undefined),
    ),
    temporalPersistence: e.TEMPORAL_PERSISTENCE,
    temporalHistoryShards: e.TEMPORAL_HISTORY_SHARDS,
    ...webhookConfigOf(e),
  };
}
