import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { Db } from '../../db/connection';
import { query } from '../../db/transaction';
import { pick } from '../shared/async';
import { sleep } from '../../tools/process';
import { LIFECYCLE_PAYMENT_TTL_MS, LIFECYCLE_PREFIX } from './lifecycle-config';
import type { LoadHandle, LoadOutcome } from './paced';
import { jsonFor, jsonHeaders } from './requests';
import type { PreparedScenario } from './scenarios';
import type { Fixtures, Wallet } from './seed';
import { temporalCost, type TemporalCounters } from './temporal-metrics';

/*
 * orders-lifecycle: whole order lifecycles in steady state. Each connection places an order
 * under LIFECYCLE_PREFIX (payment TTL LIFECYCLE_PAYMENT_TTL_MS) as a customer owning a funded
 * wallet, then by turn pays it from that wallet, cancels it, or leaves it to expire by its
 * timer. The load starts LIFECYCLE_LEAD_IN_MS before the measured window, so the expiries of
 * orders placed before the window fall into it as the window's own fall after it.
 */

/**
 * LIFECYCLE_LEAD_IN_MS is the unmeasured load before each measured window: the payment TTL
 * and a second for the expiry timer's workflow task and transaction.
 */
export const LIFECYCLE_LEAD_IN_MS = LIFECYCLE_PAYMENT_TTL_MS + 1_000;

/** LIFECYCLE_PLACE_PATH is where orders-lifecycle places its orders (api-server.ts). */
export const LIFECYCLE_PLACE_PATH = `${LIFECYCLE_PREFIX}/v1/orders` as const;

/** LIFECYCLE_ROUTE_PATHS are the API's route patterns of the three requests, as /metrics labels them. */
export const LIFECYCLE_ROUTE_PATHS = [
  LIFECYCLE_PLACE_PATH,
  `${LIFECYCLE_PLACE_PATH}/:id/pay`,
  `${LIFECYCLE_PLACE_PATH}/:id/cancel`,
];

/** LifecycleLoad is what the lifecycle runner draws from: payers' wallets and products. */
export interface LifecycleLoad {
  /** wallets are funded wallets, each placing, paying and cancelling as its owner. */
  wallets: Wallet[];
  productIds: string[];
}

/** placement is one order of one unit of a random product, placed as `wallet`'s owner. */
function placement(load: LifecycleLoad, wallet: Wallet) {
  return {
    headers: jsonHeaders(wallet.owner.token),
    body: jsonFor('/v1/orders', { lines: [{ productId: pick(load.productIds), quantity: 1 }] }),
  };
}

/**
 * lifecycleScenario prepares orders-lifecycle over the seeded wallets and spread products.
 * @throws Error when the wallets or the spread products were not seeded.
 */
export function lifecycleScenario(fixtures: Fixtures): PreparedScenario {
  const load = { wallets: fixtures.wallets, productIds: fixtures.spreadProductIds };
  if (load.wallets.length === 0 || load.productIds.length === 0)
    throw new Error('orders-lifecycle needs the wallets and the spread products seeded');
  return {
    name: 'orders-lifecycle',
    path: LIFECYCLE_PLACE_PATH,
    routePath: LIFECYCLE_PLACE_PATH,
    moreRoutePaths: LIFECYCLE_ROUTE_PATHS.slice(1),
    okStatuses: [200, 201],
    nextRequest: () => placement(load, pick(load.wallets)),
    lifecycle: load,
  };
}

/** Answer is one HTTP answer: its status and body. */
interface Answer {
  status: number;
  body: string;
}

/** LifecycleRun is one lifecycle load's connection state and where its figures go. */
interface LifecycleRun {
  apiUrl: string;
  agent: http.Agent;
  timeoutMs: number;
  outcome: LoadOutcome;
  /** measuring is set once the measured window starts: only its requests are recorded. */
  measuring: boolean;
}

/** send sends one POST and, in the measured window, records its status and response time. */
async function send(
  run: LifecycleRun,
  path: string,
  request: { headers: Record<string, string>; body?: string },
): Promise<Answer | undefined> {
  const record = run.measuring;
  const startedAtMs = performance.now();
  try {
    const answer = await new Promise<Answer>((resolve, reject) => {
      const req = http.request(
        `${run.apiUrl}${path}`,
        { method: 'POST', headers: request.headers, agent: run.agent, timeout: run.timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.once('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
          );
          res.once('error', reject);
        },
      );
      req.once('timeout', () => req.destroy(new TimeoutError()));
      req.once('error', reject);
      req.end(request.body);
    });
    if (record) {
      const status = String(answer.status);
      run.outcome.statusCounts[status] = (run.outcome.statusCounts[status] ?? 0) + 1;
      run.outcome.responseTimesMs.push(performance.now() - startedAtMs);
    }
    return answer;
  } catch (err) {
    if (record && err instanceof TimeoutError) run.outcome.timeouts += 1;
    else if (record) run.outcome.socketErrors += 1;
    return undefined;
  }
}

/** TimeoutError marks a request that passed its timeout. */
class TimeoutError extends Error {}

/** oneLifecycle places an order, then pays it (turn 0), cancels it (1) or leaves it (2). */
async function oneLifecycle(run: LifecycleRun, load: LifecycleLoad, turn: number): Promise<void> {
  const wallet = pick(load.wallets);
  const placed = await send(run, LIFECYCLE_PLACE_PATH, placement(load, wallet));
  if (placed?.status !== 201 || turn % 3 === 2) return;
  const orderId = (JSON.parse(placed.body) as { id: string }).id;
  const orderPath = `${LIFECYCLE_PLACE_PATH}/${orderId}`;
  if (turn % 3 === 0) {
    await send(run, `${orderPath}/pay`, {
      headers: jsonHeaders(wallet.owner.token),
      body: jsonFor('/v1/orders/{id}/pay', { accountId: wallet.id }),
    });
  } else {
    const headers = {
      'idempotency-key': randomUUID(),
      authorization: `Bearer ${wallet.owner.token}`,
    };
    await send(run, `${orderPath}/cancel`, { headers });
  }
}

/**
 * runLifecycle runs `connections` loops of lifecycles (oneLifecycle): `leadInMs` unmeasured,
 * then `onMeasureStart` (the caller's first sample), then `durationMs` measured; each loop
 * finishes the lifecycle it is in. Only requests sent in the measured window are recorded;
 * `durationSeconds` is that window's length. `onLoad` receives a handle to stop early.
 */
export async function runLifecycle(input: {
  apiUrl: string;
  scenario: PreparedScenario;
  connections: number;
  durationMs: number;
  leadInMs: number;
  timeoutMs: number;
  onMeasureStart?: () => Promise<void>;
  onLoad?: (handle: LoadHandle | undefined) => void;
}): Promise<LoadOutcome> {
  const load = input.scenario.lifecycle;
  if (!load) throw new Error(`${input.scenario.name} is not a lifecycle scenario`);
  const run: LifecycleRun = {
    apiUrl: input.apiUrl,
    agent: new http.Agent({ keepAlive: true, maxSockets: input.connections }),
    timeoutMs: input.timeoutMs,
    outcome: {
      statusCounts: {},
      durationSeconds: 0,
      timeouts: 0,
      socketErrors: 0,
      responseTimesMs: [],
    },
    measuring: false,
  };
  let ended = false;
  input.onLoad?.({ stop: () => (ended = true) });
  let turn = 0;
  const loop = async () => {
    while (!ended) await oneLifecycle(run, load, turn++);
  };
  const clock = async () => {
    await sleep(input.leadInMs);
    await input.onMeasureStart?.();
    run.measuring = true;
    const measuredFromMs = performance.now();
    while (!ended && performance.now() - measuredFromMs < input.durationMs) await sleep(50);
    ended = true;
    run.outcome.durationSeconds = (performance.now() - measuredFromMs) / 1000;
  };
  try {
    await Promise.all([clock(), ...Array.from({ length: input.connections }, loop)]);
  } finally {
    input.onLoad?.(undefined);
    run.agent.destroy();
  }
  return run.outcome;
}

/**
 * LifecycleFigures are an orders-lifecycle run's completed lifecycles: orders of its customers
 * that reached paid, cancelled or expired, by the time that status was stamped.
 */
export interface LifecycleFigures {
  /** completed counts terminal stamps in the load's measured window, by status. */
  completed: { paid: number; cancelled: number; expired: number };
  /** perSecond is all of `completed` over the measured window's seconds. */
  perSecond: number;
  /** completedInSamples counts terminal stamps between the run's two samples (CPU, Temporal). */
  completedInSamples: number;
  /** frontendRequestsPerLifecycle: Temporal frontend requests between the samples per lifecycle. */
  frontendRequestsPerLifecycle: number | undefined;
  /** persistenceRequestsPerLifecycle: Temporal persistence requests between the samples, likewise. */
  persistenceRequestsPerLifecycle: number | undefined;
}

/** COMPLETED_SQL counts the terminal stamps of the given customers' orders in two windows. */
const COMPLETED_SQL = `
  WITH done AS (
    SELECT status, COALESCE(paid_at, cancelled_at, expired_at) AS at FROM orders
    WHERE customer_id = ANY($1::uuid[]) AND status IN ('paid', 'cancelled', 'expired'))
  SELECT
    count(*) FILTER (WHERE status = 'paid' AND at >= $2 AND at < $3) AS paid,
    count(*) FILTER (WHERE status = 'cancelled' AND at >= $2 AND at < $3) AS cancelled,
    count(*) FILTER (WHERE status = 'expired' AND at >= $2 AND at < $3) AS expired,
    count(*) FILTER (WHERE at >= $4 AND at < $5) AS in_samples
  FROM done`;

/**
 * lifecycleFigures counts, in SQL, the lifecycles `load`'s customers completed in the measured
 * window (`loadMs`) and between the samples (`samplesMs`), and divides the Temporal requests
 * between the samples by the latter.
 */
export async function lifecycleFigures(
  db: Db,
  load: LifecycleLoad,
  windows: Record<'loadMs' | 'samplesMs', { fromMs: number; toMs: number }>,
  temporal: Record<'before' | 'after', TemporalCounters | undefined>,
): Promise<LifecycleFigures> {
  const at = (ms: number) => new Date(ms).toISOString();
  const [row] = await query<Record<'paid' | 'cancelled' | 'expired' | 'in_samples', string>>(
    db,
    COMPLETED_SQL,
    [
      load.wallets.map((wallet) => wallet.owner.sub),
      at(windows.loadMs.fromMs),
      at(windows.loadMs.toMs),
      at(windows.samplesMs.fromMs),
      at(windows.samplesMs.toMs),
    ],
  );
  const completed = {
    paid: Number(row?.paid ?? 0),
    cancelled: Number(row?.cancelled ?? 0),
    expired: Number(row?.expired ?? 0),
  };
  const completedInSamples = Number(row?.in_samples ?? 0);
  const cost = temporalCost(temporal.before, temporal.after, completedInSamples);
  const loadSeconds = Math.max(0.001, (windows.loadMs.toMs - windows.loadMs.fromMs) / 1000);
  return {
    completed,
    perSecond: (completed.paid + completed.cancelled + completed.expired) / loadSeconds,
    completedInSamples,
    frontendRequestsPerLifecycle: cost?.frontendRequestsPerOk,
    persistenceRequestsPerLifecycle: cost?.persistenceRequestsPerOk,
  };
}
