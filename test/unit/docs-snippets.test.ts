import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { createServer } from 'node:http';

/*
 * The TypeScript of docs/events.md runs here: every ```ts block of the doc appears in this
 * file as written (whitespace aside; its imports at the top), and the first test compares
 * them, so a client developer who copies the feed reader or the receiver gets working code.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// docs/events.md, "Reading the feed": the event and the feed reader.

type HoldfastEvent = {
  id: string;
  type: string;
  occurredAt: string;
  sequence: number;
  subject: { type: string; id: string };
  customerId?: string;
  sellerId?: string;
  data: unknown;
};

/** Hands every event after `cursor` to `handle`, page by page; returns the cursor to keep. */
async function readEvents(
  api: string,
  token: string,
  cursor: string | undefined,
  handle: (event: HoldfastEvent) => Promise<void>,
): Promise<string | undefined> {
  for (;;) {
    const url = new URL(`${api}/v1/events?limit=100`);
    if (cursor) url.searchParams.set('cursor', cursor);
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`GET /v1/events answered ${res.status}`);
    const page = (await res.json()) as { items: HoldfastEvent[]; nextCursor: string };
    for (const event of page.items) await handle(event);
    cursor = page.nextCursor;
    if (page.items.length < 100) return cursor; // the end of the feed, for now
  }
}

/** pollForever is the doc's loop around readEvents, with what it names as parameters. */
async function pollForever(
  API: string,
  TOKEN: string,
  handle: (event: HoldfastEvent) => Promise<void>,
  loadCursor: () => Promise<string | undefined>,
  saveCursor: (cursor: string | undefined) => Promise<void>,
): Promise<never> {
  let cursor = await loadCursor(); // undefined the first time: the start of the feed
  for (;;) {
    cursor = await readEvents(API, TOKEN, cursor, handle);
    await saveCursor(cursor);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

// docs/events.md, "Verifying a request": the receiver and its node:http server.

/** What a receiver remembers: the webhook-ids it handled, the last sequence per subject. */
interface Seen {
  ids: Set<string>;
  sequences: Map<string, number>;
}

/** Answers one webhook request: 400 unless signed with `secret`, else 204 once handled. */
async function receiveWebhook(
  secret: string,
  rawBody: string,
  headers: Record<string, string>,
  seen: Seen,
  handle: (event: HoldfastEvent) => Promise<void>,
): Promise<number> {
  let event: HoldfastEvent;
  try {
    event = new Webhook(secret).verify(rawBody, headers) as HoldfastEvent;
  } catch {
    return 400; // not signed with this secret, or its timestamp is more than 5 minutes off
  }
  const id = headers['webhook-id']!;
  if (seen.ids.has(id)) return 204; // sent again (at least once): handled already
  const subject = `${event.subject.type}:${event.subject.id}`;
  if (event.sequence > (seen.sequences.get(subject) ?? 0)) {
    await handle(event);
    seen.sequences.set(subject, event.sequence);
  } // else stale: a later event of this subject was handled first
  seen.ids.add(id);
  return 204;
}

/** A webhook receiver: reads the raw body and answers what receiveWebhook says. */
function webhookServer(
  secret: string,
  seen: Seen,
  handle: (event: HoldfastEvent) => Promise<void>,
) {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const headers = req.headers as Record<string, string>;
      void receiveWebhook(secret, rawBody, headers, seen, handle)
        .catch(() => 500) // not handled: holdfast tries again later
        .then((status) => res.writeHead(status).end());
    });
  });
}

/** squash collapses whitespace, so the doc's blocks and this file's copies compare as code. */
function squash(code: string): string {
  return code.replace(/\s+/g, ' ').trim();
}

/** fakeFeed answers GET /v1/events from `events` as pages of `limit`, cursors `c<offset>`. */
function fakeFeed(events: HoldfastEvent[], requests: Request[]) {
  return async (input: URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    requests.push(request);
    const url = new URL(request.url);
    const limit = Number(url.searchParams.get('limit') ?? 50);
    const offset = Number(url.searchParams.get('cursor')?.slice(1) ?? 0);
    const items = events.slice(offset, offset + limit);
    const body = { items, nextCursor: `c${offset + items.length}` };
    return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
  };
}

/** eventOf makes the event number `n` of one order, `sequence` as given. */
function eventOf(n: number, sequence = 1): HoldfastEvent {
  return {
    id: `00000000-0000-4000-800${sequence}-${String(n).padStart(12, '0')}`,
    type: sequence === 1 ? 'order.placed' : 'order.paid',
    occurredAt: new Date(0).toISOString(),
    sequence,
    subject: { type: 'order', id: `order-${Math.floor(n / 10)}` },
    data: { n },
  };
}

/** signed returns the body and the Standard Webhooks headers holdfast sends for `event`. */
function signed(secret: string, event: HoldfastEvent, at = new Date()) {
  const rawBody = JSON.stringify(event);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'webhook-id': event.id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(event.id, at, rawBody),
  };
  return { rawBody, headers };
}

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('docs/events.md snippets', () => {
  it('when the doc is read, then each of its ts blocks is code in this file', () => {
    const doc = readFileSync(path.join(ROOT, 'docs', 'events.md'), 'utf8');
    const self = squash(readFileSync(fileURLToPath(import.meta.url), 'utf8'));
    const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBe(4);
    for (const block of blocks) {
      const lines = block.split('\n');
      const imports = lines.filter((line) => line.startsWith('import '));
      for (const line of imports) expect(self).toContain(line);
      expect(self).toContain(squash(lines.filter((line) => !imports.includes(line)).join('\n')));
    }
  });

  it('when readEvents reads 150 events, then it hands each once in order and keeps the end cursor', async () => {
    const events = Array.from({ length: 150 }, (_, n) => eventOf(n));
    const requests: Request[] = [];
    vi.stubGlobal('fetch', fakeFeed(events, requests));
    const handled: string[] = [];
    const handle = async (e: HoldfastEvent) => void handled.push(e.id);

    const cursor = await readEvents('http://holdfast.test', 'tok', undefined, handle);
    expect(handled).toEqual(events.map((e) => e.id));
    expect(cursor).toBe('c150');
    expect(requests.map((r) => new URL(r.url).search)).toEqual([
      '?limit=100',
      '?limit=100&cursor=c100',
    ]);
    expect(requests[0]!.headers.get('authorization')).toBe('Bearer tok');

    events.push(eventOf(150));
    expect(await readEvents('http://holdfast.test', 'tok', cursor, handle)).toBe('c151');
    expect(await readEvents('http://holdfast.test', 'tok', 'c151', handle)).toBe('c151');
    expect(handled).toHaveLength(151);
  });

  it('when the poll loop runs, then it reads from the loaded cursor and saves the new one', async () => {
    const events = Array.from({ length: 30 }, (_, n) => eventOf(n));
    vi.stubGlobal('fetch', fakeFeed(events, []));
    const handled: string[] = [];
    const saved: (string | undefined)[] = [];
    const save = async (cursor: string | undefined) => {
      saved.push(cursor);
      throw new Error('stop');
    };
    const handle = async (e: HoldfastEvent) => void handled.push(e.id);

    await expect(
      pollForever('http://holdfast.test', 'tok', handle, async () => 'c10', save),
    ).rejects.toThrow('stop');
    expect(handled).toEqual(events.slice(10).map((e) => e.id));
    expect(saved).toEqual(['c30']);
  });

  it('when signed requests arrive, then receiveWebhook handles each event once and drops stale ones', async () => {
    const seen: Seen = { ids: new Set(), sequences: new Map() };
    const handled: string[] = [];
    const handle = async (e: HoldfastEvent) => void handled.push(`${e.type} ${e.sequence}`);
    const paid = signed(SECRET, eventOf(1, 2));
    const placed = signed(SECRET, eventOf(1, 1));

    expect(await receiveWebhook(SECRET, paid.rawBody, paid.headers, seen, handle)).toBe(204);
    expect(await receiveWebhook(SECRET, paid.rawBody, paid.headers, seen, handle)).toBe(204);
    expect(await receiveWebhook(SECRET, placed.rawBody, placed.headers, seen, handle)).toBe(204);
    expect(handled).toEqual(['order.paid 2']);
    expect(seen.ids.size).toBe(2);
  });

  it('when a request is not signed with the secret, then receiveWebhook answers 400 and handles nothing', async () => {
    const seen: Seen = { ids: new Set(), sequences: new Map() };
    const handle = vi.fn(async () => {});
    const event = eventOf(2);
    const good = signed(SECRET, event);
    const other = signed(`whsec_${Buffer.alloc(32, 9).toString('base64')}`, event);
    const old = signed(SECRET, event, new Date(Date.now() - 10 * 60_000));
    const tampered = good.rawBody.replace('"n":2', '"n":3');

    expect(await receiveWebhook(SECRET, tampered, good.headers, seen, handle)).toBe(400);
    expect(await receiveWebhook(SECRET, other.rawBody, other.headers, seen, handle)).toBe(400);
    expect(await receiveWebhook(SECRET, old.rawBody, old.headers, seen, handle)).toBe(400);
    expect(handle).not.toHaveBeenCalled();
    expect(await receiveWebhook(SECRET, good.rawBody, good.headers, seen, handle)).toBe(204);
    expect(handle).toHaveBeenCalledOnce();
  });

  it('when webhookServer is POSTed signed events over HTTP, then it answers 204, 400 or 500', async () => {
    const handled: string[] = [];
    const seen: Seen = { ids: new Set(), sequences: new Map() };
    const server = webhookServer(SECRET, seen, async (e) => {
      if (e.subject.id === 'order-9') throw new Error('database down');
      handled.push(e.id);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const post = async (body: string, headers: Record<string, string>) =>
      (await fetch(url, { method: 'POST', body, headers })).status;
    try {
      const ok = signed(SECRET, eventOf(3));
      const failing = signed(SECRET, eventOf(90));
      expect(await post(ok.rawBody, ok.headers)).toBe(204);
      expect(await post(ok.rawBody, ok.headers)).toBe(204);
      expect(await post(ok.rawBody.replace('"n":3', '"n":4'), ok.headers)).toBe(400);
      expect(await post(failing.rawBody, failing.headers)).toBe(500);
      expect(handled).toEqual([eventOf(3).id]);
      expect(seen.ids.has(eventOf(90).id)).toBe(false);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
