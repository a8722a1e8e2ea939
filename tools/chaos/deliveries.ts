import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { query } from '../../db/transaction';
import type { Db } from '../../db/connection';
import { EVENT_TYPES } from '../../domain/events';
import type { Actor } from '../actors';
import { sleep } from '../process';
import type { Anomalies } from './model';

/*
 * Webhook deliveries under chaos (SPEC.md §11): a staff endpoint for every event type points
 * at a receiver on 127.0.0.1 that is down, answers 500 and closes connections in turns while
 * the load and its faults run. Afterwards every event committed since the endpoint was made
 * has reached the receiver at least once with a valid signature, and the feed holds each
 * event exactly once.
 */

/** ReceiverMode is how the receiver treats a request: answer 204, 500, or drop it. */
type ReceiverMode = 'up' | 'error' | 'drop';

/** FLAP_STEP_MS is how long each receiver mode lasts while it flaps. */
const FLAP_STEP_MS = 1_500;

/** ChaosReceiver records the webhook-ids it acknowledged; see the file comment. */
export class ChaosReceiver {
  readonly acknowledged = new Set<string>();
  badSignatures = 0;
  requests = 0;
  endpointId = '';
  private secret = '';
  private mode: ReceiverMode = 'up';
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  /** start listens on a free port of 127.0.0.1. */
  static async start(): Promise<ChaosReceiver> {
    const holder: { receiver?: ChaosReceiver } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => holder.receiver!.answer(req.headers, Buffer.concat(chunks), res));
    });
    const receiver = new ChaosReceiver(server);
    holder.receiver = receiver;
    server.on('connection', (socket) => {
      receiver.sockets.add(socket);
      socket.on('close', () => receiver.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  /** register makes the staff endpoint for every event type through the API. */
  async register(apiUrl: string, staff: Actor): Promise<void> {
    const { port } = this.server.address() as AddressInfo;
    const res = await fetch(`${apiUrl}/v1/webhook-endpoints`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${staff.token}` },
      body: JSON.stringify({ url: `http://127.0.0.1:${port}/chaos`, types: [...EVENT_TYPES] }),
    });
    if (res.status !== 201) throw new Error(`webhook endpoint: ${res.status} ${await res.text()}`);
    const endpoint = (await res.json()) as { id: string; secret: string };
    [this.endpointId, this.secret] = [endpoint.id, endpoint.secret];
  }

  /** flap turns the receiver up, erroring and dropping in turns until `untilMs`, then up. */
  async flap(untilMs: () => number): Promise<void> {
    const modes: ReceiverMode[] = ['drop', 'up', 'error', 'up'];
    for (let step = 0; Date.now() < untilMs(); step += 1) {
      this.mode = modes[step % modes.length]!;
      if (this.mode === 'drop') for (const socket of this.sockets) socket.destroy();
      await sleep(FLAP_STEP_MS);
    }
    this.mode = 'up';
  }

  /** close stops listening and drops open connections. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private answer(headers: Record<string, unknown>, body: Buffer, res: ServerResponse): void {
    this.requests += 1;
    if (this.mode === 'drop') return void res.socket?.destroy();
    if (this.mode === 'error') return void res.writeHead(500).end();
    try {
      new Webhook(this.secret).verify(body.toString('utf8'), headers as Record<string, string>);
      this.acknowledged.add(String(headers['webhook-id']));
    } catch {
      this.badSignatures += 1;
    }
    res.writeHead(204).end();
  }
}

/**
 * checkDeliveries waits up to `waitMs` until every event since the endpoint was made has been
 * acknowledged, then records what is missing, any bad signature, and any event the feed
 * (GET /v1/events as staff, paged to its end) lacks or repeats.
 */
export async function checkDeliveries(input: {
  db: Db;
  receiver: ChaosReceiver;
  apiUrl: string;
  staff: Actor;
  waitMs: number;
  anomalies: Anomalies;
}): Promise<{ events: number; delivered: number }> {
  const { db, receiver, anomalies } = input;
  const due = async () =>
    (
      await query<{ id: string }>(
        db,
        `SELECT id FROM events WHERE txid >= (SELECT events_from FROM webhook_endpoints WHERE id = $1)`,
        [receiver.endpointId],
      )
    ).map((r) => r.id);
  let missing: string[] = [];
  for (const deadline = Date.now() + input.waitMs; ; await sleep(500)) {
    missing = (await due()).filter((id) => !receiver.acknowledged.has(id));
    if (missing.length === 0 || Date.now() > deadline) break;
  }
  const lost = 'acknowledged write lost, doubled or changed';
  if (missing.length > 0)
    anomalies.add(lost, `${missing.length} events never delivered, e.g. ${missing[0]}`);
  if (receiver.badSignatures > 0)
    anomalies.add('unexpected answer or read', `${receiver.badSignatures} bad webhook signatures`);
  await checkFeed(input);
  return { events: (await due()).length, delivered: receiver.acknowledged.size };
}

/** checkFeed reads the whole feed as staff and compares it with the outbox, event by event. */
async function checkFeed(input: { db: Db; apiUrl: string; staff: Actor; anomalies: Anomalies }) {
  const seen: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const search = new URLSearchParams({ limit: '200', ...(cursor ? { cursor } : {}) });
    const res = await fetch(`${input.apiUrl}/v1/events?${search}`, {
      headers: { authorization: `Bearer ${input.staff.token}` },
    });
    const page = (await res.json()) as { items: { id: string }[]; nextCursor: string };
    seen.push(...page.items.map((e) => e.id));
    cursor = page.nextCursor;
    if (page.items.length === 0) break;
  }
  const stored = await query<{ id: string }>(input.db, 'SELECT id FROM events');
  const distinct = new Set(seen);
  const repeated = seen.length - distinct.size;
  const absent = stored.filter((r) => !distinct.has(r.id)).length;
  if (repeated > 0 || absent > 0 || seen.length !== stored.length) {
    input.anomalies.add(
      'unexpected answer or read',
      `the feed read ${seen.length} events (${repeated} repeated, ${absent} absent) of ${stored.length}`,
    );
  }
}
