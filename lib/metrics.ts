import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * metricsRegistry is the one Prometheus registry of a process; GET /metrics renders it
 * (SPEC.md §9). Metric names follow Prometheus conventions: base units, `_total` counters.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'holdfast_' });

/** httpRequestDuration observes every HTTP request by route pattern, method and status. */
export const httpRequestDuration = new Histogram({
  name: 'holdfast_http_request_duration_seconds',
  help: 'HTTP request latency by route, method and status',
  labelNames: ['route', 'method', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

/** inFlightOperations counts requests currently being served. */
export const inFlightOperations = new Gauge({
  name: 'holdfast_in_flight_operations',
  help: 'Requests currently being served',
  registers: [metricsRegistry],
});

/** txAttempts counts database transaction attempts by transaction name. */
export const txAttempts = new Counter({
  name: 'holdfast_db_transaction_attempts_total',
  help: 'Database transaction attempts by name',
  labelNames: ['tx'] as const,
  registers: [metricsRegistry],
});

/**
 * txFailures counts failed transactions by name and reason: a domain code
 * (insufficient_funds …) or an infrastructure class (deadlock, serialization, lock_timeout,
 * statement_timeout, other).
 */
export const txFailures = new Counter({
  name: 'holdfast_db_transaction_failures_total',
  help: 'Failed database transactions by name and reason',
  labelNames: ['tx', 'reason'] as const,
  registers: [metricsRegistry],
});

/** txDuration observes transaction wall time by name and outcome. */
export const txDuration = new Histogram({
  name: 'holdfast_db_transaction_duration_seconds',
  help: 'Database transaction duration by name and outcome',
  labelNames: ['tx', 'outcome'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metricsRegistry],
});

/** lockWait observes how long `SELECT … FOR UPDATE` statements waited, by table. */
export const lockWait = new Histogram({
  name: 'holdfast_db_lock_wait_seconds',
  help: 'Time spent acquiring row locks with SELECT ... FOR UPDATE, by table',
  labelNames: ['table'] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
  registers: [metricsRegistry],
});
