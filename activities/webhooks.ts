import { lookup } from 'node:dns/promises';
import { Context } from '@temporalio/activity';
import { Webhook } from 'standardwebhooks';
import type { Db } from '../db/connection';
import type { EventPosition } from '../db/events';
import {
  dueDeliveries,
  findDispatchEndpoint,
  nextDueInMs,
  queueNewDeliveries,
  recordAttempts,
  type AttemptOutcome,
  type DispatchEndpoint,
  type DueDelivery,
} from '../db/webhook-deliveries';
import { retryDelayMs } from '../domain/webhook-delivery';
import { isPrivateAddress } from '../domain/webhook-rules';

/*
 * One pass of an endpoint's dispatcher (SPEC.md §11 "Delivery"): queue the events it wants,
 * attempt every delivery that is due with bounded concurrency, and say when the next is due.
 * The workflow's timers drive the passes; the pass's outcomes are stored in one statement
 * before it ends, so a retried pass sends again only what that pass sent (at least once).
 */

/** WebhookDeliveryConfig are the delivery settings of SPEC.md §11, from the worker's config. */
export interface WebhookDeliveryConfig {
  timeoutMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  retryForMs: number;
  failuresToDisable: number;
  allowPrivate: boolean;
}

/** DISPATCH_BATCH_MAX bounds the events queued and the deliveries attempted by one pass. */
export const DISPATCH_BATCH_MAX = 100;

/** DISPATCH_CONCURRENCY bounds the attempts of one pass in flight at once. */
export const DISPATCH_CONCURRENCY = 32;

/** DispatchInput names the endpoint and where its queueing stopped (absent: the feed's end). */
export interface DispatchInput {
  endpointId: string;
  after?: EventPosition;
}

/** DispatchResult says where queueing stopped, whether to go on at once, and when. */
export interface DispatchResult {
  /** stop: the endpoint is deleted or disabled, so its dispatcher ends. */
  stop: boolean;
  after?: EventPosition;
  /** more: the pass attempted or read a full batch, so the next should not wait for the timer. */
  more: boolean;
  /** nextDueInMs: the next pending retry is due then (null: none pending). */
  nextDueInMs: number | null;
}

/** dispatchWebhooks runs one pass for `endpointId` (see the file comment). */
export async function dispatchWebhooks(
  deps: { db: Db; webhooks: WebhookDeliveryConfig },
  input: DispatchInput,
): Promise<DispatchResult> {
  const { db, webhooks } = deps;
  const endpoint = await findDispatchEndpoint(db, input.endpointId);
  if (!endpoint || endpoint.disabled)
    return { stop: true, after: input.after, more: false, nextDueInMs: null };
  const queued = await queueNewDeliveries(db, endpoint, {
    after: input.after,
    limit: DISPATCH_BATCH_MAX,
  });
  const due = await dueDeliveries(db, endpoint.id, DISPATCH_BATCH_MAX);
  const outcomes: AttemptOutcome[] = [];
  const signer = new Webhook(endpoint.secret);
  await forEachLimited(due, DISPATCH_CONCURRENCY, async (delivery) => {
    outcomes.push(await attempt(endpoint, signer, delivery, webhooks));
    // A pass of slow receivers outlasts the heartbeat timeout; each finished attempt says it lives.
    Context.current().heartbeat();
  });
  // One statement for the pass: a crash before it only sends these again (at least once).
  await recordAttempts(db, endpoint.id, outcomes, webhooks.failuresToDisable);
  return {
    stop: false,
    after: queued.position,
    // Under load the next events are already waiting: pass again at once while there is work.
    more: queued.more || due.length > 0,
    nextDueInMs: await nextDueInMs(db, endpoint.id),
  };
}

/**
 * attempt POSTs one event, signed per Standard Webhooks (`webhook-id` is the event id), and
 * judges the answer: a 2xx within the timeout is delivered; anything else is retried after
 * retryDelayMs, or failed once WEBHOOK_RETRY_FOR has passed since the delivery was queued.
 */
async function attempt(
  endpoint: DispatchEndpoint,
  signer: Webhook,
  delivery: DueDelivery,
  config: WebhookDeliveryConfig,
): Promise<AttemptOutcome> {
  const base = { deliveryId: delivery.id, endpointId: endpoint.id };
  let statusCode: number | null = null;
  let error: string | null = null;
  try {
    statusCode = await post(endpoint, signer, delivery, config);
    if (statusCode >= 200 && statusCode < 300)
      return { ...base, status: 'delivered', statusCode, error: null, nextAttemptAt: null };
    error = `answered ${statusCode}`;
  } catch (err) {
    error = err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 500) : String(err);
  }
  const retryAt = Date.now() + retryDelayMs(delivery.attempts + 1, config);
  if (retryAt - delivery.createdAt.getTime() > config.retryForMs)
    return { ...base, status: 'failed', statusCode, error, nextAttemptAt: null };
  return { ...base, status: 'pending', statusCode, error, nextAttemptAt: new Date(retryAt) };
}

/** post sends the signed request and returns the receiver's status code. @throws on no answer. */
async function post(
  endpoint: DispatchEndpoint,
  signer: Webhook,
  delivery: DueDelivery,
  config: WebhookDeliveryConfig,
): Promise<number> {
  const url = new URL(endpoint.url);
  if (!config.allowPrivate) await assertPublicHost(url.hostname);
  const payload = JSON.stringify(delivery.event);
  const timestamp = new Date();
  const signature = signer.sign(delivery.event.id, timestamp, payload);
  const res = await fetch(url, {
    method: 'POST',
    body: payload,
    redirect: 'manual',
    signal: AbortSignal.timeout(config.timeoutMs),
    headers: {
      'content-type': 'application/json',
      'webhook-id': delivery.event.id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signature,
    },
  });
  await res.body?.cancel();
  return res.status;
}

/**
 * assertPublicHost refuses a host that resolves to a loopback, private or link-local address
 * at delivery time, so a name registered as public cannot be pointed inside later.
 */
async function assertPublicHost(hostname: string): Promise<void> {
  const addresses = await lookup(hostname.replace(/^\[|\]$/g, ''), { all: true });
  const inside = addresses.find((a) => isPrivateAddress(a.address));
  if (inside) throw new Error(`${hostname} resolves to the private address ${inside.address}`);
}

/** forEachLimited runs `fn` over `items` with at most `limit` calls in flight. */
async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
