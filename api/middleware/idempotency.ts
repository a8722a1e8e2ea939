import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import type { Context, MiddlewareHandler, Next } from 'hono';
import { DomainError } from '../../domain/errors';
import { resourceIdFor } from '../../domain/ids';
import { idempotencyKeySchema } from '../../domain/schemas';
import type { Db } from '../../db/connection';
import { currentDeadline, outsideDeadline } from '../../lib/request-deadline';
import {
  claimKey,
  readKey,
  releaseKey,
  renewKeyLease,
  storeKeyAnswer,
  takeOverKey,
  type StoredAnswer,
} from '../../db/idempotency-keys';
import type { AuthUser } from './auth';

/** IdempotencyOptions configure the Idempotency-Key contract (SPEC.md §1). */
export interface IdempotencyOptions {
  db: Db;
  /** keyTtlMs is how long a key is honoured (IDEMPOTENCY_KEY_TTL, at least 24 h). */
  keyTtlMs: number;
  /** waitTimeoutMs bounds how long a duplicate waits for the first request's outcome. */
  waitTimeoutMs: number;
  /** leaseMs is how long a claim stays exclusive before a retry may take it over (a crash). */
  leaseMs?: number;
}

/**
 * KeyedRequest is the keyed POST a request serves: its caller and Idempotency-Key, and the
 * answer its route handler returned (recordAnswer), kept apart from the context's response,
 * which is the 503 once the request's deadline answered the client first.
 */
interface KeyedRequest {
  subject: string;
  key: string;
  answer?: Response;
}

/** keyedRequest is the keyed POST this request serves. */
const keyedRequest = new AsyncLocalStorage<KeyedRequest>();

/**
 * recordAnswer notes the Response a route handler returned for the keyed POST it serves (a
 * no-op outside one); api/router.ts calls it for every route. When the request's deadline
 * answered the client first, Hono drops that Response, and this is how the key still gets it.
 */
export function recordAnswer(answer: Response): void {
  const request = keyedRequest.getStore();
  if (request) request.answer = answer;
}

/**
 * idempotentUpdateId names the Temporal Update a keyed POST sends, from the caller, its
 * Idempotency-Key and `scope`, so a retry after a lost answer attaches to the same Update and
 * gets its outcome even after the run closed (Temporal keeps it under the ID); a random ID would
 * answer the retry 409 `invalid_transition` for a write that happened. Undefined outside a
 * keyed POST.
 */
export function idempotentUpdateId(scope: string): string | undefined {
  const request = keyedRequest.getStore();
  if (!request) return undefined;
  return resourceIdFor({ sub: request.subject, idempotencyKey: request.key, scope });
}

/** keyRefusals are the refusals of the key itself this middleware threw (see isKeyRefusal). */
const keyRefusals = new WeakSet<DomainError>();

/** refuseKey marks a refusal of the Idempotency-Key itself and returns it for throwing. */
function refuseKey(err: DomainError): DomainError {
  keyRefusals.add(err);
  return err;
}

/**
 * isKeyRefusal tells whether `err` is this middleware's refusal of a request for its key: a
 * malformed Idempotency-Key (422 `validation_failed`) or a key used for another request (422
 * `idempotency_key_reuse`). Such a request never reaches its route; the order audit records it
 * (api/orders/audit.ts). A wait that ran out (409 `idempotency_in_progress`) is not one: the
 * first request with the key is still being answered.
 */
export function isKeyRefusal(err: unknown): boolean {
  return err instanceof DomainError && keyRefusals.has(err);
}

/** Statuses that are transient and therefore never stored for replay. */
const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/**
 * idempotency implements SPEC.md §1 for POSTs with `Idempotency-Key`, per caller `sub`: the first
 * request claims the key and stores its answer; the same request replays it (`Idempotent-Replayed:
 * true`), a different one → 422 `idempotency_key_reuse`, one arriving mid-run waits (waitTimeoutMs,
 * then 409 `idempotency_in_progress`). The key stays reserved while the route runs; the route's
 * 5xx or 429 releases it (no write started, or a retry reaches the same Temporal Update).
 */
export function idempotency(options: IdempotencyOptions): MiddlewareHandler {
  const leaseMs = options.leaseMs ?? 60_000;
  return async function idempotencyMiddleware(c, next) {
    const key = c.req.header('idempotency-key');
    if (c.req.method !== 'POST' || key === undefined) return next();
    assertKeyFormat(key);
    const user = c.get('user') as AuthUser;
    const fingerprint = fingerprintOf(c.req.method, c.req.path, await c.req.text());
    const deadline = Date.now() + options.waitTimeoutMs;
    for (let attempt = 0; ; attempt += 1) {
      const claimed = await outsideDeadline(() =>
        claimKey(options.db, {
          subject: user.sub,
          key,
          fingerprint,
          ttlMs: options.keyTtlMs,
          leaseMs,
        }),
      );
      if (claimed)
        return serveClaimed(c, next, { db: options.db, subject: user.sub, key, leaseMs });
      const row = await readKey(options.db, user.sub, key);
      if (row && row.fingerprint !== fingerprint) {
        throw refuseKey(
          new DomainError(
            'idempotency_key_reuse',
            'This Idempotency-Key was used for a different request',
          ),
        );
      }
      if (row && row.statusCode !== null) {
        return new Response(row.responseBody, {
          status: row.statusCode,
          headers: {
            'content-type': row.responseContentType ?? 'application/json',
            'idempotent-replayed': 'true',
          },
        });
      }
      if (
        row?.leaseExpired &&
        (await outsideDeadline(() => takeOverKey(options.db, user.sub, key, leaseMs)))
      )
        return serveClaimed(c, next, { db: options.db, subject: user.sub, key, leaseMs });
      if (Date.now() > deadline) {
        throw new DomainError(
          'idempotency_in_progress',
          'The first request with this key has not finished; retry later',
          { retryAfterSeconds: 1 },
          { 'retry-after': '1' },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(25 * 2 ** attempt, 250)));
    }
  };
}

/** ClaimedKey is a key this request holds: where it is stored and how long its lease runs. */
interface ClaimedKey {
  db: Db;
  subject: string;
  key: string;
  leaseMs: number;
}

/**
 * serveClaimed runs the route for a claimed key, renewing its lease every third of it however
 * long the route takes, then settles the key with the route's own answer. A 503 from the
 * request's deadline (`abandoned`) is not that answer: the key stays reserved (retries get 409
 * `idempotency_in_progress`) until the late answer is stored, since a key is never released
 * while its write may still happen (SPEC.md §1).
 */
async function serveClaimed(c: Context, next: Next, claimed: ClaimedKey): Promise<void> {
  const request: KeyedRequest = { subject: claimed.subject, key: claimed.key };
  const deadline = currentDeadline();
  if (deadline) deadline.guardsKey = true;
  const renewal = setInterval(() => {
    renewLease(claimed).catch(() => {
      // The database is away: the next renewal tries again; the lease covers the gap.
    });
  }, claimed.leaseMs / 3);
  try {
    await keyedRequest.run(request, next);
  } finally {
    clearInterval(renewal);
  }
  const abandoned = deadline?.abandoned === true;
  const answer = abandoned && request.answer ? request.answer : c.res;
  await outsideDeadline(() => settleSoon(claimed.db, claimed, answer));
}

/**
 * assertKeyFormat checks an Idempotency-Key's form (SPEC.md §1).
 * @throws DomainError 422 `validation_failed` naming `header.Idempotency-Key` (a key refusal).
 */
function assertKeyFormat(key: string): void {
  if (idempotencyKeySchema.safeParse(key).success) return;
  const message = 'must be 1–255 printable ASCII characters';
  throw refuseKey(
    new DomainError('validation_failed', `Idempotency-Key ${message}`, {
      errors: [{ path: 'header.Idempotency-Key', message }],
    }),
  );
}

/**
 * fingerprintOf hashes method, path and the body; a JSON body is canonicalised (keys sorted)
 * so the same document with other whitespace or key order counts as the same request.
 */
export function fingerprintOf(method: string, path: string, body: string): string {
  let canonical = body;
  try {
    canonical = JSON.stringify(sortKeys(JSON.parse(body)));
  } catch {
    // Not JSON: hash the raw text.
  }
  return createHash('sha256').update(`${method} ${path}\n${canonical}`).digest('hex');
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** renewLease extends the lease of a key whose request is still being served. */
async function renewLease(claimed: ClaimedKey): Promise<void> {
  await outsideDeadline(() =>
    renewKeyLease(claimed.db, claimed.subject, claimed.key, claimed.leaseMs),
  );
}

/**
 * SETTLE_RETRY_DELAYS_MS space the background attempts to settle a key whose settle failed:
 * 23.5 s in all, well inside the 60 s lease, so no retry can have taken the key over meanwhile.
 */
const SETTLE_RETRY_DELAYS_MS = [500, 1_000, 2_000, 4_000, 8_000, 8_000];

/**
 * settleSoon settles the key with the response. When the database refuses (it went away after
 * the request ran), it rethrows, so the client gets a 503, and keeps settling in the background
 * (SETTLE_RETRY_DELAYS_MS): the client's retry then finds the stored answer, or the released
 * key, seconds after the database is back instead of waiting out the lease.
 */
async function settleSoon(
  db: Db,
  input: { subject: string; key: string },
  res: Response,
): Promise<void> {
  const answer: StoredAnswer = {
    status: res.status,
    body: TRANSIENT_STATUSES.has(res.status) ? '' : await res.clone().text(),
    contentType: res.headers.get('content-type'),
  };
  try {
    await settle(db, input, answer);
  } catch (err) {
    void settleLater(db, input, answer);
    throw err;
  }
}

/** settleLater retries settle after each of SETTLE_RETRY_DELAYS_MS until it succeeds. */
async function settleLater(
  db: Db,
  input: { subject: string; key: string },
  answer: StoredAnswer,
): Promise<void> {
  for (const delayMs of SETTLE_RETRY_DELAYS_MS) {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    try {
      await settle(db, input, answer);
      return;
    } catch {
      // Still unreachable: the next delay, or the lease, decides.
    }
  }
}

/**
 * settle stores a definite answer for replay, or releases the key after a transient one (5xx,
 * 429) so that a retry runs the request again.
 */
async function settle(
  db: Db,
  input: { subject: string; key: string },
  answer: StoredAnswer,
): Promise<void> {
  if (TRANSIENT_STATUSES.has(answer.status)) {
    await releaseKey(db, input.subject, input.key);
    return;
  }
  await storeKeyAnswer(db, input.subject, input.key, answer);
}
