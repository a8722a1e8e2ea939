import fc from 'fast-check';
import type { Config } from '../../config';
import type { Db } from '../../db/connection';
import { query } from '../../db/transaction';
import { ERROR_STATUS, isErrorCode } from '../../domain/errors';
import type { TestStack } from '../app';
import { operationsOf } from './openapi';
import { fuzzRequests, type FuzzRequest } from './requests';
import type { FuzzWorld, PoolKind } from './world';
import { sleep } from '../process';

/*
 * The fuzzer's checker and runner (issue 11): send generated requests one at a time and
 * assert the three properties: no 5xx; every 4xx is problem+json with a known `code`; a
 * refused request writes nothing (every table's census is the same before and after it,
 * except the tables a refusal may write).
 */

/**
 * FUZZ_CONFIG_OVERRIDES keep the world still during a run: orders and booking holds of the
 * fuzz stack expire after a day, not within the run, so only requests change rows.
 */
export const FUZZ_CONFIG_OVERRIDES: Partial<Config> = {
  orderPaymentTtlMs: 24 * 3_600_000,
  bookingHoldTtlMs: 24 * 3_600_000,
};

/**
 * REFUSAL_MAY_WRITE are the tables a refused request may legitimately write: the audit row
 * of a refused order (SPEC.md §8), a keyed refusal stored for replay (SPEC.md §1), the write
 * limit's count (every write counts, refused ones too: SPEC.md §10), and the migration log.
 */
const REFUSAL_MAY_WRITE = new Set([
  'order_failures',
  'idempotency_keys',
  'write_limits',
  'SequelizeMeta',
]);

/**
 * CENSUS_EXPRESSIONS summarise big or append-only tables cheaply; every other table is
 * summarised by its row count and a hash of all its rows, so an UPDATE shows as well.
 */
const CENSUS_EXPRESSIONS: Record<string, string> = {
  seats: `count(*) || ':' || count(*) FILTER (WHERE status <> 'free') || ':' || coalesce(sum(hashtext(coalesce(booking_id::text, ''))), 0)`,
  room_nights: `count(*) || ':' || coalesce(sum(held), 0) || ':' || coalesce(sum(booked), 0)`,
  stock_movements: 'count(*)::text',
  ledger_entries: 'count(*)::text',
  order_lines: 'count(*)::text',
  allowance_postings: 'count(*)::text',
};

/** Census is one summary per table: its row count, and for most tables a hash of the rows. */
export type Census = Record<string, string>;

/** TableCensus summarises every table a refusal must not write, in one SQL statement. */
export class TableCensus {
  private constructor(
    private readonly db: Db,
    private readonly sql: string,
  ) {}

  /** create lists the schema's tables (except REFUSAL_MAY_WRITE) and prepares the statement. */
  static async create(db: Db): Promise<TableCensus> {
    const tables = await query<{ name: string }>(
      db,
      `SELECT table_name AS name FROM information_schema.tables
       WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
    const columns = tables
      .map((t) => t.name)
      .filter((name) => !REFUSAL_MAY_WRITE.has(name))
      .map((name) => {
        const summary =
          CENSUS_EXPRESSIONS[name] ?? `count(*) || ':' || coalesce(sum(hashtext(t::text)), 0)`;
        return `(SELECT ${summary} FROM "${name}" t) AS "${name}"`;
      });
    if (columns.length === 0) throw new Error('no tables to count: is the schema migrated?');
    return new TableCensus(db, `SELECT ${columns.join(', ')}`);
  }

  /** take summarises every table now. */
  async take(): Promise<Census> {
    const [row] = await query<Census>(this.db, this.sql);
    return row!;
  }

  /**
   * settled takes censuses 25 ms apart until two agree (at most `attemptsMax`), so writes a
   * successful request's workflow finishes after its answer are not blamed on the next one.
   */
  async settled(attemptsMax = 40): Promise<Census> {
    let previous = await this.take();
    for (let attempt = 0; attempt < attemptsMax; attempt += 1) {
      await sleep(25);
      const next = await this.take();
      if (censusDiff(previous, next).length === 0) return next;
      previous = next;
    }
    return previous;
  }
}

/** censusDiff names each table whose summary changed: `orders: 3:… → 4:…`. */
export function censusDiff(before: Census, after: Census): string[] {
  return Object.keys(after)
    .filter((table) => before[table] !== after[table])
    .map((table) => `${table}: ${before[table]} → ${after[table]}`);
}

/** FuzzReply is what the API answered: status, content type and body (JSON or text). */
export interface FuzzReply {
  status: number;
  contentType: string | null;
  body: unknown;
}

/** sendFuzzRequest sends one request through `app.request()` and reads the whole reply. */
export async function sendFuzzRequest(stack: TestStack, request: FuzzRequest): Promise<FuzzReply> {
  const res = await stack.app.request(request.path, {
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: Buffer.from(request.body, 'utf8') }),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, contentType: res.headers.get('content-type'), body };
}

/**
 * replyViolations checks properties 1 and 2 (SPEC.md §1): no 5xx and no status outside 2xx and
 * 4xx; a 4xx is application/problem+json whose `code` is a known one (domain/errors.ts) with
 * that code's status, also in the body's `status`.
 */
export function replyViolations(reply: FuzzReply): string[] {
  const { status } = reply;
  if (status >= 500) return [`answered ${status} (no 5xx may answer a request, SPEC.md §1)`];
  if (status < 200 || (status >= 300 && status < 400)) return [`unexpected status ${status}`];
  if (status < 400) return [];
  const problems: string[] = [];
  if (!reply.contentType?.startsWith('application/problem+json'))
    problems.push(
      `a ${status} with content type ${reply.contentType}, not application/problem+json`,
    );
  const body = reply.body as { code?: unknown; status?: unknown } | undefined;
  if (!isErrorCode(body?.code))
    problems.push(`a ${status} with unknown code ${JSON.stringify(body?.code)}`);
  else if (ERROR_STATUS[body.code] !== status)
    problems.push(`code ${body.code} is ${ERROR_STATUS[body.code]}, answered ${status}`);
  if (body?.status !== status)
    problems.push(`body status ${String(body?.status)} ≠ HTTP ${status}`);
  return problems;
}

/** HARVEST_ROUTES name the kind of resource a successful create returns (its `id`). */
const HARVEST_ROUTES: Record<string, PoolKind> = {
  'POST /v1/sellers': 'seller',
  'POST /v1/products': 'product',
  'POST /v1/schedules': 'schedule',
  'POST /v1/properties': 'property',
  'POST /v1/properties/{id}/room-types': 'roomType',
  'POST /v1/orders': 'order',
  'POST /v1/accounts': 'account',
  'POST /v1/accounts/{id}/deposits': 'transfer',
  'POST /v1/transfers': 'transfer',
  'POST /v1/retainers': 'retainer',
  'POST /v1/payments': 'payment',
  'POST /v1/bookings': 'booking',
  'POST /v1/stays': 'booking',
  'POST /v1/payment-requests': 'paymentRequest',
  'POST /v1/programs': 'program',
};

/** harvest adds the ID a successful create answered to the world's pool of its kind. */
function harvest(world: FuzzWorld, request: FuzzRequest, reply: FuzzReply): void {
  const kind = HARVEST_ROUTES[request.route];
  const id = (reply.body as { id?: unknown } | undefined)?.id;
  if (!kind || !request.route.startsWith(`${request.method} `) || typeof id !== 'string') return;
  world.harvest(kind, id);
  if (kind === 'retainer') world.harvest('account', id);
}

/** FuzzViolation is one broken property, with the request that broke it. */
export interface FuzzViolation {
  /** index is the request's position in the run (0-based). */
  index: number;
  request: FuzzRequest;
  reply: FuzzReply;
  reasons: string[];
}

/** FuzzReport is a run's outcome: counts by route, status and code, and every violation. */
export interface FuzzReport {
  seed: number;
  requests: number;
  durationMs: number;
  byRoute: Map<string, Map<number, number>>;
  byStatus: Map<number, number>;
  byCode: Map<string, number>;
  violations: FuzzViolation[];
}

/** FuzzRunInput configures runFuzz. */
export interface FuzzRunInput {
  stack: TestStack;
  world: FuzzWorld;
  seed: number;
  requests: number;
  /** violationsMax stops the run once this many violations were found. */
  violationsMax: number;
  onProgress?: (done: number, report: FuzzReport) => void;
}

/**
 * runFuzz reads the app's OpenAPI document, then sends `requests` generated requests (seeded
 * by `seed`: the same seed makes the same sequence of requests against the same world) one at
 * a time, checking each (replyViolations; for any non-2xx also censusDiff against the census
 * taken before it, settled after a success). Successful creates feed their IDs back into the
 * world. Resolves with the report; throws only when the harness itself fails.
 */
export async function runFuzz(input: FuzzRunInput): Promise<FuzzReport> {
  const { stack, world } = input;
  const document = await (await stack.app.request('/openapi.json')).json();
  const census = await TableCensus.create(stack.db);
  const report: FuzzReport = {
    seed: input.seed,
    requests: 0,
    durationMs: 0,
    byRoute: new Map(),
    byStatus: new Map(),
    byCode: new Map(),
    violations: [],
  };
  const startedMs = Date.now();
  let before: Census | undefined;
  const property = fc.asyncProperty(
    fuzzRequests(operationsOf(document), world),
    async (request) => {
      before ??= await census.take();
      const reply = await sendFuzzRequest(stack, request);
      const reasons = replyViolations(reply);
      if (reply.status >= 200 && reply.status < 300) {
        harvest(world, request, reply);
        before = request.method === 'GET' ? await census.take() : await census.settled();
      } else {
        const after = await census.take();
        reasons.push(...censusDiff(before, after).map((d) => `a refused request wrote ${d}`));
        before = after;
      }
      count(report, request, reply);
      if (reasons.length > 0)
        report.violations.push({ index: report.requests - 1, request, reply, reasons });
      if (report.requests % 250 === 0) input.onProgress?.(report.requests, report);
      return report.violations.length < input.violationsMax;
    },
  );
  const details = await fc.check(property, {
    seed: input.seed,
    numRuns: input.requests,
    endOnFailure: true,
  });
  report.durationMs = Date.now() - startedMs;
  if (details.failed && report.violations.length < input.violationsMax)
    throw new Error(
      `the fuzz harness failed (seed ${input.seed}): ${String(details.errorInstance)}`,
    );
  return report;
}

/** count adds one exchange to the report's tallies. */
function count(report: FuzzReport, request: FuzzRequest, reply: FuzzReply): void {
  report.requests += 1;
  const statuses = report.byRoute.get(request.route) ?? new Map<number, number>();
  statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
  report.byRoute.set(request.route, statuses);
  report.byStatus.set(reply.status, (report.byStatus.get(reply.status) ?? 0) + 1);
  const code = (reply.body as { code?: unknown } | undefined)?.code;
  if (reply.status >= 400 && typeof code === 'string')
    report.byCode.set(code, (report.byCode.get(code) ?? 0) + 1);
}

/** BODY_SHOWN_MAX bounds how much of a body a violation prints. */
const BODY_SHOWN_MAX = 2_000;

/**
 * describeViolation prints a violation so it can be reproduced: the seed and position, the
 * reasons, and the request as JSON (method, path, headers, body; a long body is cut, its length
 * given), then the reply.
 */
export function describeViolation(seed: number, violation: FuzzViolation): string {
  const { request, reply } = violation;
  const body = request.body;
  const shown =
    body !== undefined && body.length > BODY_SHOWN_MAX
      ? `${body.slice(0, BODY_SHOWN_MAX)}… (${body.length} characters)`
      : body;
  return [
    `request #${violation.index} of seed ${seed}: ${violation.reasons.join('; ')}`,
    `  request: ${JSON.stringify({ method: request.method, path: request.path, headers: request.headers, body: shown })}`,
    `  reply: ${reply.status} ${reply.contentType} ${JSON.stringify(reply.body)?.slice(0, BODY_SHOWN_MAX)}`,
  ].join('\n');
}
