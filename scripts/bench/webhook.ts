import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Db } from '../../db/connection';
import { query } from '../../db/transaction';
import { EVENT_TYPES } from '../../domain/events';
import { expectStatus } from '../../tools/http';
import { authHeaders, type SeedContext } from '../../tools/resources';
import { sleep } from '../../tools/process';
import type { ScenarioName } from './options';

/*
 * The cost of webhooks (SPEC.md §11, "Cost" and "first attempt within 5 s"): one staff
 * endpoint subscribed to every event type, pointing at a receiver this process runs on
 * 127.0.0.1 (answers 204 at once). The endpoint stays disabled except around the measured
 * runs of HOOKED_SCENARIOS (WebhookHook.around, the one place that enables and disables it);
 * enabled again, it gets only what commits from then on (db/webhook-endpoints.ts), so a hooked
 * run's deliveries are its own. The receiver records, per first arrival of each webhook-id,
 * arrival time − the event's occurredAt: occurredAt is the start of the event's transaction,
 * not its commit, so the figure slightly over-counts commit-to-first-attempt.
 */

/** HOOKED_SCENARIOS are measured with the endpoint enabled; every other one with it disabled. */
export const HOOKED_SCENARIOS: readonly ScenarioName[] = ['orders-spread-webhook'];

/** DELIVERY_WAIT_MS bounds the wait after a hooked run for its events' first attempts. */
export const DELIVERY_WAIT_MS = 60_000;
/** DELIVERY_POLL_MS is how often that wait compares arrivals with the events written. */
const DELIVERY_POLL_MS = 250;

/** WebhookFigures are a hooked run's deliveries of the events written in its window. */
export interface WebhookFigures {
  /** windowFrom / windowTo bound the run (ISO): events with occurredAt inside are counted. */
  windowFrom: string;
  windowTo: string;
  /** eventsWritten counts `events` rows with occurred_at in the window. */
  eventsWritten: number;
  /** eventsDelivered counts the distinct webhook-ids of those events that arrived. */
  eventsDelivered: number;
  /** repeats counts arrivals of a webhook-id already seen (at least once allows them). */
  repeats: number;
  /**
   * latencyMs is first arrival − occurredAt over the events written: an event not delivered
   * within DELIVERY_WAIT_MS counts as slower than every delivered one, so a quantile that
   * falls on one is null (shown as "> wait"), and so is max.
   */
  latencyMs: { p50: number | null; p99: number | null; max: number | null };
  /** waitedMs is how long after the run the bench waited for the last first attempts. */
  waitedMs: number;
}

/** Arrival is the first request of one webhook-id: the event's occurredAt and its arrival. */
interface Arrival {
  occurredAtMs: number;
  arrivedAtMs: number;
}

/** Receiver is the bench's webhook receiver: its URL, first arrivals by webhook-id, stop. */
interface Receiver {
  url: string;
  arrivals: Map<string, Arrival>;
  repeats: number;
  close(): Promise<void>;
}

/**
 * startReceiver listens on 127.0.0.1 (a free port) and answers every request 204 once its
 * small body is read, recording the first arrival of each webhook-id with its occurredAt.
 */
async function startReceiver(): Promise<Receiver> {
  const arrivals = new Map<string, Arrival>();
  const receiver: Receiver = { url: '', arrivals, repeats: 0, close: async () => {} };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const arrivedAtMs = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.writeHead(204).end();
      const id = req.headers['webhook-id'];
      if (typeof id !== 'string') return;
      if (arrivals.has(id)) {
        receiver.repeats += 1;
        return;
      }
      const occurredAtMs = occurredAtOf(Buffer.concat(chunks).toString('utf8'));
      if (occurredAtMs !== undefined) arrivals.set(id, { occurredAtMs, arrivedAtMs });
    });
  };
  const server = createServer({ keepAlive: true }, onRequest);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

/** occurredAtOf reads the event body's occurredAt in ms, or undefined when it has none. */
function occurredAtOf(body: string): number | undefined {
  try {
    const ms = Date.parse((JSON.parse(body) as { occurredAt?: string }).occurredAt ?? '');
    return Number.isFinite(ms) ? ms : undefined;
  } catch {
    return undefined;
  }
}

/** WebhookHook enables the endpoint around hooked runs and measures their deliveries. */
export interface WebhookHook {
  /**
   * around runs `fn`: for a hooked scenario with the endpoint enabled from just before it,
   * then waits for the first attempts of the events written meanwhile (at most
   * DELIVERY_WAIT_MS), disables the endpoint and returns the figures; else `fn` alone.
   */
  around<T>(
    name: ScenarioName,
    fn: () => Promise<T>,
  ): Promise<{ value: T; webhook?: WebhookFigures }>;
  close(): Promise<void>;
}

/** NO_HOOK is the hook of a bench that runs no hooked scenario: nothing is registered. */
const NO_HOOK: WebhookHook = {
  around: async (_name, fn) => ({ value: await fn() }),
  close: async () => {},
};

/**
 * startWebhookHook starts the receiver and registers, as staff, an endpoint for every event
 * type pointing at it, then disables it, when `scenarios` has a hooked one; else NO_HOOK.
 */
export async function startWebhookHook(
  seed: SeedContext,
  db: Db,
  scenarios: ScenarioName[],
): Promise<WebhookHook> {
  if (!scenarios.some((name) => HOOKED_SCENARIOS.includes(name))) return NO_HOOK;
  const receiver = await startReceiver();
  try {
    const endpoint = expectStatus(
      await seed.send<{ id: string }>(() =>
        seed.api.POST('/v1/webhook-endpoints', {
          body: { url: receiver.url, types: [...EVENT_TYPES], description: 'bench receiver' },
          headers: authHeaders(seed.staff.token, randomUUID()),
        }),
      ),
      201,
      'bench webhook endpoint',
    );
    const setDisabled = async (disabled: boolean) => {
      const patched = await seed.send(() =>
        seed.api.PATCH('/v1/webhook-endpoints/{id}', {
          params: { path: { id: endpoint.id } },
          body: { disabled },
          headers: authHeaders(seed.staff.token),
        }),
      );
      expectStatus(patched, 200, `bench webhook endpoint: disabled ${disabled}`);
    };
    await setDisabled(true);
    return {
      around: async (name, fn) => {
        if (!HOOKED_SCENARIOS.includes(name)) return { value: await fn() };
        return measureHooked(receiver, db, setDisabled, fn);
      },
      close: () => receiver.close(),
    };
  } catch (err) {
    await receiver.close();
    throw err;
  }
}

/** measureHooked is WebhookHook.around for a hooked scenario. */
async function measureHooked<T>(
  receiver: Receiver,
  db: Db,
  setDisabled: (disabled: boolean) => Promise<void>,
  fn: () => Promise<T>,
): Promise<{ value: T; webhook: WebhookFigures }> {
  receiver.arrivals.clear();
  receiver.repeats = 0;
  await setDisabled(false);
  let value: T;
  const fromMs = Date.now();
  try {
    value = await fn();
  } catch (err) {
    await setDisabled(true);
    throw err;
  }
  const toMs = Date.now();
  const inWindow = () =>
    [...receiver.arrivals.values()].filter(
      (arrival) => arrival.occurredAtMs >= fromMs && arrival.occurredAtMs <= toMs,
    );
  let written = await eventsWritten(db, fromMs, toMs);
  while (inWindow().length < written && Date.now() - toMs < DELIVERY_WAIT_MS) {
    await sleep(DELIVERY_POLL_MS);
    written = await eventsWritten(db, fromMs, toMs);
  }
  const waitedMs = Date.now() - toMs;
  await setDisabled(true);
  const latencies = inWindow().map((arrival) => arrival.arrivedAtMs - arrival.occurredAtMs);
  return {
    value,
    webhook: {
      windowFrom: new Date(fromMs).toISOString(),
      windowTo: new Date(toMs).toISOString(),
      eventsWritten: written,
      eventsDelivered: latencies.length,
      repeats: receiver.repeats,
      latencyMs: latencySummary(latencies, written),
      waitedMs,
    },
  };
}

/** eventsWritten counts the `events` rows whose occurred_at lies in [fromMs, toMs]. */
async function eventsWritten(db: Db, fromMs: number, toMs: number): Promise<number> {
  const rows = await query<{ n: string }>(
    db,
    'SELECT count(*) AS n FROM events WHERE occurred_at >= $1 AND occurred_at <= $2',
    [new Date(fromMs).toISOString(), new Date(toMs).toISOString()],
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * latencySummary is the nearest-rank p50 / p99 and the max of `latencies` over `written`
 * events, the undelivered ones ranked after every delivered one (null where one is hit).
 */
function latencySummary(latencies: number[], written: number): WebhookFigures['latencyMs'] {
  const sorted = [...latencies].sort((a, b) => a - b);
  const total = Math.max(written, sorted.length);
  const at = (p: number) => {
    if (total === 0) return null;
    return sorted[Math.max(0, Math.ceil((p / 100) * total) - 1)] ?? null;
  };
  return { p50: at(50), p99: at(99), max: total > sorted.length ? null : (sorted.at(-1) ?? null) };
}
