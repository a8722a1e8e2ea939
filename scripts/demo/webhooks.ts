import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { EVENT_TYPES, type EventType, type EventView } from '../../domain/events';
import type { WebhookEndpointWithSecret } from '../../domain/webhooks';
import type { Actor } from '../../tools/actors';
import { sleep } from '../shared/async';
import type { DemoClient } from './client';
import { formatTable, heading } from './report';
import type { Check } from './scene';
import { staffCreate, staffRead } from './seed';
import { RUN_TAG } from './settings';

/**
 * The scenes' webhook receiver (SPEC.md §11): an HTTP server on 127.0.0.1 registered as a
 * staff endpoint for every event type. It verifies each request with `standardwebhooks`,
 * counts events by type (deduplicated by webhook-id), and at the end prints them and checks
 * that every request was signed and every placed subject's event arrived.
 */

/** DELIVERY_WAIT_MS bounds the wait at the end for the last deliveries to arrive. */
const DELIVERY_WAIT_MS = 60_000;

/** POLL_MS is how often the end of a scene looks at what arrived and what is pending. */
const POLL_MS = 500;

/** Placed names what a scene placed: the event each placement writes and the subjects' ids. */
export interface Placed {
  type: EventType;
  noun: string;
  ids: string[];
}

/** TypeCounts are one type's received events, repeated webhook-ids and bad signatures. */
interface TypeCounts {
  events: number;
  duplicates: number;
  badSignatures: number;
}

/** Receiver is the listening server: its URL, what it counted, and how to stop it. */
interface Receiver {
  url: string;
  /** secret verifies requests; set once the endpoint is registered. */
  secret?: string;
  counts: Map<string, TypeCounts>;
  /** seen holds the verified webhook-ids; delivered holds `type subjectId` of their events. */
  seen: Set<string>;
  delivered: Set<string>;
  close(): Promise<void>;
}

/** countsOf returns the counters of `type`, creating them at zero. */
function countsOf(receiver: Receiver, type: string): TypeCounts {
  let counts = receiver.counts.get(type);
  if (!counts) receiver.counts.set(type, (counts = { events: 0, duplicates: 0, badSignatures: 0 }));
  return counts;
}

/** typeOfUnverified reads `type` from a body whose signature failed, for the table only. */
function typeOfUnverified(body: string): string {
  try {
    const type = (JSON.parse(body) as { type?: unknown }).type;
    return typeof type === 'string' ? type : '(no type)';
  } catch {
    return '(not JSON)';
  }
}

/**
 * receive verifies one request and counts it: 204 for a verified event (a repeated webhook-id
 * counts as a duplicate), 400 for a bad signature (counted under the body's claimed type).
 */
function receive(receiver: Receiver, body: string, req: IncomingMessage, res: ServerResponse) {
  let event: EventView;
  try {
    if (!receiver.secret) throw new Error('no secret yet');
    event = new Webhook(receiver.secret).verify(
      body,
      req.headers as Record<string, string>,
    ) as EventView;
  } catch {
    countsOf(receiver, typeOfUnverified(body)).badSignatures += 1;
    res.writeHead(400).end();
    return;
  }
  const webhookId = String(req.headers['webhook-id']);
  const counts = countsOf(receiver, event.type);
  if (receiver.seen.has(webhookId)) counts.duplicates += 1;
  else {
    receiver.seen.add(webhookId);
    receiver.delivered.add(`${event.type} ${event.subject.id}`);
    counts.events += 1;
  }
  res.writeHead(204).end();
}

/** startReceiver listens on a free port of 127.0.0.1 and counts what it is sent. */
async function startReceiver(): Promise<Receiver> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => receive(receiver, Buffer.concat(chunks).toString('utf8'), req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}/webhooks`,
    counts: new Map(),
    seen: new Set(),
    delivered: new Set(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return receiver;
}

/** WebhookWatch is one scene's receiver and endpoint; `finish` reports, `close` cleans up. */
export interface WebhookWatch {
  finish(placed: Placed): Promise<Check>;
  close(): Promise<void>;
}

/**
 * watchWebhooks starts the receiver and registers it as a staff endpoint for every event type
 * (`npm run dev` allows http://127.0.0.1: WEBHOOK_ALLOW_HTTP, WEBHOOK_ALLOW_PRIVATE).
 */
export async function watchWebhooks(client: DemoClient, staff: Actor): Promise<WebhookWatch> {
  const receiver = await startReceiver();
  let endpoint: WebhookEndpointWithSecret;
  try {
    endpoint = await staffCreate(client, staff, 'webhook endpoint', (headers) =>
      client.api.POST('/v1/webhook-endpoints', {
        body: { url: receiver.url, types: [...EVENT_TYPES], description: `demo ${RUN_TAG}` },
        headers,
      }),
    );
  } catch (err) {
    await receiver.close();
    throw err;
  }
  receiver.secret = endpoint.secret;
  console.log(
    `webhook receiver ${receiver.url}: endpoint ${endpoint.id.slice(0, 8)}… for all ${EVENT_TYPES.length} event types`,
  );
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await deleteEndpoint(client, staff, endpoint.id).finally(() => receiver.close());
  };
  return {
    finish: async (placed) => {
      const waitedMs = await awaitDeliveries(client, staff, {
        endpointId: endpoint.id,
        receiver,
        placed,
      });
      const webhookCheck = reportWebhooks(receiver, placed, waitedMs);
      await close();
      return webhookCheck;
    },
    close,
  };
}

/** deleteEndpoint deletes the demo's endpoint (and its deliveries); throws unless 200. */
async function deleteEndpoint(client: DemoClient, staff: Actor, id: string): Promise<void> {
  const answer = await client.send(() =>
    client.api.DELETE('/v1/webhook-endpoints/{id}', {
      params: { path: { id } },
      headers: { authorization: `Bearer ${staff.token}` },
    }),
  );
  if (answer.status !== 200) throw new Error(`DELETE webhook endpoint: ${answer.status}`);
}

/**
 * awaitDeliveries waits, at most DELIVERY_WAIT_MS, until every placed subject's event has
 * arrived and the endpoint has no pending delivery left; returns how long it waited.
 */
async function awaitDeliveries(
  client: DemoClient,
  staff: Actor,
  input: { endpointId: string; receiver: Receiver; placed: Placed },
): Promise<number> {
  const { endpointId, receiver, placed } = input;
  const startedAt = Date.now();
  while (Date.now() - startedAt < DELIVERY_WAIT_MS) {
    const missing = placed.ids.some((id) => !receiver.delivered.has(`${placed.type} ${id}`));
    if (!missing) {
      const pending = await staffRead<{ items: unknown[] }>(
        client,
        staff,
        'deliveries',
        (headers) =>
          client.api.GET('/v1/webhook-endpoints/{id}/deliveries', {
            params: { path: { id: endpointId }, query: { status: 'pending', limit: 1 } },
            headers,
          }),
      );
      if (pending.items.length === 0) break;
    }
    await sleep(POLL_MS);
  }
  return Date.now() - startedAt;
}

/**
 * reportWebhooks prints the received events by type (in EVENT_TYPES order, then anything
 * else) and returns the check: no bad signature, and every placed subject's event delivered.
 */
function reportWebhooks(receiver: Receiver, placed: Placed, waitedMs: number): Check {
  heading('Webhooks received');
  const known = EVENT_TYPES.filter((type) => receiver.counts.has(type)) as string[];
  const types = [...known, ...[...receiver.counts.keys()].filter((t) => !known.includes(t))];
  const total: TypeCounts = { events: 0, duplicates: 0, badSignatures: 0 };
  const rows = types.map((type) => {
    const c = receiver.counts.get(type)!;
    total.events += c.events;
    total.duplicates += c.duplicates;
    total.badSignatures += c.badSignatures;
    return { type, events: c.events, duplicates: c.duplicates, 'bad signatures': c.badSignatures };
  });
  rows.push({
    type: 'total',
    events: total.events,
    duplicates: total.duplicates,
    'bad signatures': total.badSignatures,
  });
  console.log(formatTable(rows, 1));
  console.log(`(waited ${(waitedMs / 1000).toFixed(1)} s for the last deliveries)`);
  const missing = placed.ids.filter((id) => !receiver.delivered.has(`${placed.type} ${id}`));
  const problems = [
    ...(total.badSignatures ? [`${total.badSignatures} requests failed verification`] : []),
    ...(missing.length
      ? [
          `${missing.length}/${placed.ids.length} ${placed.noun} without ${placed.type} (${missing.slice(0, 3).join(', ')}…)`,
        ]
      : []),
  ];
  const figures = `${total.events} events, 0 bad signatures; ${placed.type} of all ${placed.ids.length} ${placed.noun}`;
  const name = 'every webhook arrived signed';
  return { name, ok: problems.length === 0, detail: problems.join('; ') || figures };
}
