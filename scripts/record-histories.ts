import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { orderSubmissionOf, submitOrder } from '../api/orders/submission';
import { resourceIdFor } from '../domain/ids';
import type { GatePolicy } from '../domain/order-gate';
import { createLogger } from '../lib/logger';
import { workflowIds } from '../domain/workflow-ids';
import { startEphemeralStack } from '../tools/stack/local-stack';
import { findTemporalCli, PROJECT_ROOT } from '../tools/stack/temporal-cli';
import { actor, call, connectStack, type Actor, type TestStack } from '../tools/app';
import { parseCli } from './shared/cli';
import { runRetention } from './shared/record-retention';
import { runWebhooks } from './shared/record-webhooks';

/** USAGE is printed for --help, and on stderr with exit code 2 for a bad command line. */
const USAGE = `usage: npm run histories:record [-- --only <name>[,<name> …]]
  --only  write only these test/replay/histories/<name>.json (others stay as they were)`;

/** HISTORIES_DIR holds one recorded history per workflow type and notable path. */
export const HISTORIES_DIR = path.join(PROJECT_ROOT, 'test', 'replay', 'histories');

/** Recording is one history to write: its file name and the workflow run it records. */
interface Recording {
  name: string;
  workflowId: string;
  /** runId names an earlier run of the ID (one that continued as new); default: the latest. */
  runId?: string;
}

/**
 * `npm run histories:record [-- --only hold-refused,transfer-refused]` runs every workflow through
 * its notable paths on a throwaway stack and writes each closed run's history to
 * test/replay/histories/<name>.json with its real workflowId, for the replay test
 * (docs/operating.md). `--only` writes just the named files, so a history recorded from older
 * code stays as it was: payment-request-expired.json, the old branch of the one `patched()`
 * example (workflows/payment-requests.ts).
 */
async function main(): Promise<void> {
  const { values } = parseCli(USAGE, { options: { only: { type: 'string' } } });
  const only = values.only ? new Set(values.only.split(',')) : undefined;
  const cli = await findTemporalCli();
  if (!cli) throw new Error('recording needs the Temporal CLI: run npm run ensure-temporal');
  const ephemeral = await startEphemeralStack({ taskQueue: 'holdfast-record', log: console.log });
  const { stack, close } = await connectStack(ephemeral, {
    orderPaymentTtlMs: 1_500,
    bookingHoldTtlMs: 1_500,
    approvalTtlMs: 1_500,
    orderSubmissionsPerMinute: 100,
  });
  try {
    const recordings = [
      ...(await runOrders(stack)),
      ...(await runOrderGates(stack)),
      ...(await runLedger(stack)),
      ...(await runBookings(stack)),
      ...(await runPaymentRequests(stack)),
      ...(await runRetention(stack)),
      ...(await runWebhooks(stack)),
    ];
    await mkdir(HISTORIES_DIR, { recursive: true });
    for (const recording of recordings) {
      if (only && !only.has(recording.name)) continue;
      await record(stack, cli, recording);
    }
  } finally {
    await close();
    await ephemeral.stop();
  }
}

/** http sends one request and fails the recording on a 5xx (a 4xx is a path being recorded). */
async function http(
  stack: TestStack,
  who: Actor,
  method: string,
  url: string,
  body?: unknown,
  key?: string,
) {
  const res = await call(stack, method, url, { token: who.token, body, key });
  if (res.status >= 500) throw new Error(`${method} ${url} → ${res.status} ${res.body}`);
  return res.body as Record<string, any>;
}

/** Scene is who acts in a recording and what they act on. */
interface Scene {
  staff: Actor;
  buyer: Actor;
  productId: string;
  walletId: string;
  otherId: string;
  depositWorkflowId: string;
}

/** setScene creates an approved seller, one product with stock 10 and two funded wallets. */
async function setScene(stack: TestStack): Promise<Scene> {
  const [staff, buyer] = [await actor('staff'), await actor('customer')];
  const send = (method: string, url: string, body?: unknown) =>
    http(stack, staff, method, url, body);
  const seller = await send('POST', '/v1/sellers', { name: 'recorder', kind: 'merchant' });
  await send('POST', `/v1/sellers/${seller.id}/approve`);
  const product = await send('POST', '/v1/products', {
    sellerId: seller.id,
    sku: `REC-${seller.id.slice(0, 8)}`,
    name: 'recorded',
    priceMinor: 100,
    currency: 'EUR',
    stock: 10,
  });
  const wallet = await send('POST', '/v1/accounts', {
    ownerId: buyer.sub,
    kind: 'wallet',
    currency: 'EUR',
  });
  const deposit = await send('POST', `/v1/accounts/${wallet.id}/deposits`, { amountMinor: 10_000 });
  const owner = (await actor('customer')).sub;
  const other = await send('POST', '/v1/accounts', {
    ownerId: owner,
    kind: 'wallet',
    currency: 'EUR',
  });
  const ids = { productId: product.id, walletId: wallet.id, otherId: other.id };
  return { staff, buyer, ...ids, depositWorkflowId: deposit.workflowId };
}

let scene: Scene | undefined;

/**
 * runOrders drives orders placed through their customer's gate (started with `placed`) through
 * paid-and-fulfilled, expired, cancelled after pay, paid at placement then fulfilled; a refused
 * submission starts no order run.
 */
async function runOrders(stack: TestStack): Promise<Recording[]> {
  scene ??= await setScene(stack);
  const { staff, buyer, productId, walletId } = scene;
  // Each with a key of its own: the same lines without one would be a duplicate (SPEC.md §8).
  const order = (body: object) => http(stack, buyer, 'POST', '/v1/orders', body, randomUUID());
  const place = (quantity: number) => order({ lines: [{ productId, quantity }] });
  const paid = await place(1);
  await http(stack, buyer, 'POST', `/v1/orders/${paid.id}/pay`, { accountId: walletId });
  await http(stack, staff, 'POST', `/v1/orders/${paid.id}/fulfill`);
  const expired = await place(1);
  const cancelled = await place(2);
  await http(stack, buyer, 'POST', `/v1/orders/${cancelled.id}/pay`, { accountId: walletId });
  await http(stack, buyer, 'POST', `/v1/orders/${cancelled.id}/cancel`);
  const paidAtOnce = await order({
    lines: [{ productId, quantity: 1 }],
    pay: { accountId: walletId },
  });
  await http(stack, staff, 'POST', `/v1/orders/${paidAtOnce.id}/fulfill`);
  return [
    { name: 'order-gated-paid-fulfilled', workflowId: paid.workflowId },
    { name: 'order-gated-paid-at-placement', workflowId: paidAtOnce.workflowId },
    { name: 'order-gated-expired', workflowId: expired.workflowId },
    { name: 'order-gated-cancelled-after-pay', workflowId: cancelled.workflowId },
    { name: 'order-payment', workflowId: workflowIds.orderPayment(paid.id) },
  ];
}

/**
 * runOrderGates drives customer gates (SPEC.md §8) through their paths with short windows (1 s
 * throttle window, so each gate closes when idle within seconds): one accepted submission; 4 at
 * once with a limit of 2 (the gate at its limit: the two over it are refused by its validator,
 * which writes no history); a refused placement whose backoff a timer ends (the backoff
 * refusal itself is the validator's: no history); and a gate that continues as new (the run
 * that did is recorded).
 */
async function runOrderGates(stack: TestStack): Promise<Recording[]> {
  const staff = await actor('staff');
  const seller = await http(stack, staff, 'POST', '/v1/sellers', {
    name: 'gate',
    kind: 'merchant',
  });
  await http(stack, staff, 'POST', `/v1/sellers/${seller.id}/approve`);
  const product = await http(stack, staff, 'POST', '/v1/products', {
    sellerId: seller.id,
    sku: `GATE-${seller.id.slice(0, 8)}`,
    name: 'gated',
    priceMinor: 100,
    currency: 'EUR',
    stock: 1_000,
  });
  const deps = { ...stack, logger: createLogger({ level: 'silent' }) };
  const submitAs = async (buyer: Actor, quantity: number, policy: Partial<GatePolicy> = {}) => {
    const submission = await orderSubmissionOf(deps, {
      user: { sub: buyer.sub, role: 'customer' },
      body: { lines: [{ productId: product.id, quantity }], paymentMethod: 'wallet' },
      orderId: randomUUID(),
      idempotencyKey: randomUUID(),
    });
    const windows = { throttleWindowMs: 1_000, duplicateWindowMs: 1_000, backoffResetMs: 1_500 };
    return submitOrder(deps, {
      ...submission,
      policy: { ...submission.policy, ...windows, backoffMaxMs: 1_000, ...policy },
    }).then(
      () => 'accepted',
      (err: { code?: string }) => err.code ?? String(err),
    );
  };
  const [accepted, throttled, backoff, rolling] = await Promise.all(
    [1, 2, 3, 4].map(() => actor('customer')),
  );
  await submitAs(accepted!, 1);
  await Promise.all([1, 2, 3, 4].map(() => submitAs(throttled!, 1, { submissionsPerMinute: 2 })));
  if ((await submitAs(backoff!, 5_000)) !== 'insufficient_stock')
    throw new Error('expected the backoff scene to start with a refused placement');
  await submitAs(backoff!, 1);
  for (let i = 0; i < 8; i += 1) await submitAs(rolling!, 1, { historyEventsMax: 20 });
  const gateOf = (buyer: Actor) => workflowIds.customerOrders(buyer.sub);
  const latest = (await stack.temporal.workflow.getHandle(gateOf(rolling!)).fetchHistory())
    .events![0]!;
  const continuedRunId =
    latest.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
  if (!continuedRunId) throw new Error('expected the rolling gate to have continued as new');
  return [
    { name: 'order-gate-accepted', workflowId: gateOf(accepted!) },
    { name: 'order-gate-throttled', workflowId: gateOf(throttled!) },
    { name: 'order-gate-backoff', workflowId: gateOf(backoff!) },
    { name: 'order-gate-continued-as-new', workflowId: gateOf(rolling!), runId: continuedRunId },
  ];
}

/** runLedger drives transfers, holds and a staff payment through their notable paths. */
async function runLedger(stack: TestStack): Promise<Recording[]> {
  scene ??= await setScene(stack);
  const { staff, buyer, walletId, otherId } = scene;
  const move = (amountMinor: number, extra: object = {}, key?: string) =>
    http(
      stack,
      buyer,
      'POST',
      '/v1/transfers',
      {
        fromAccountId: walletId,
        toAccountId: otherId,
        amountMinor,
        ...extra,
      },
      key,
    );
  const posted = await move(500, { hold: { timeout: '10m' } });
  await http(stack, buyer, 'POST', `/v1/transfers/${posted.id}/post`, { amountMinor: 300 });
  const voided = await move(200, { hold: { timeout: '1s' } });
  const refusedHold = await move(1_000_000, { hold: { timeout: '10m' } }, 'record-refused-hold');
  const refused = await move(1_000_000, {}, 'record-refused-transfer');
  for (const answer of [refusedHold, refused]) {
    if (answer.code !== 'insufficient_funds')
      throw new Error(`expected a refusal, got ${JSON.stringify(answer)}`);
  }
  const payment = await http(stack, staff, 'POST', '/v1/payments', {
    payerAccountId: walletId,
    payeeAccountId: otherId,
    amountMinor: 100,
  });
  await http(stack, staff, 'POST', `/v1/payments/${payment.id}/complete`);
  const transferOf = (key: string) =>
    workflowIds.transfer(resourceIdFor({ sub: buyer.sub, idempotencyKey: key, scope: 'transfer' }));
  return [
    { name: 'transfer-deposit', workflowId: scene.depositWorkflowId },
    { name: 'transfer-refused', workflowId: transferOf('record-refused-transfer') },
    { name: 'hold-posted-for-less', workflowId: posted.workflowId },
    { name: 'hold-voided-by-timer', workflowId: voided.workflowId },
    { name: 'hold-refused', workflowId: transferOf('record-refused-hold') },
    { name: 'staff-payment-completed', workflowId: payment.workflowId },
  ];
}

/**
 * runBookings drives bookings through reserved → confirmed → completed (a bus arriving 3 s
 * after the start), reserved → expired (1.5 s hold), confirmed → cancelled with a refund, and
 * a refused hold (the seat is taken).
 */
async function runBookings(stack: TestStack): Promise<Recording[]> {
  scene ??= await setScene(stack);
  const { staff, buyer, walletId } = scene;
  const send = (method: string, url: string, body?: unknown) =>
    http(stack, staff, method, url, body);
  const seller = await send('POST', '/v1/sellers', { name: 'recorder bus', kind: 'bus_operator' });
  await send('POST', `/v1/sellers/${seller.id}/approve`);
  const schedule = (departsInMs: number) =>
    send('POST', '/v1/schedules', {
      sellerId: seller.id,
      origin: 'Lisbon',
      destination: 'Porto',
      departsAt: new Date(Date.now() + departsInMs).toISOString(),
      arrivesAt: new Date(Date.now() + departsInMs + 1_000).toISOString(),
      seatCount: 4,
      priceMinor: 250,
      currency: 'EUR',
    });
  const [soon, later] = [await schedule(2_000), await schedule(86_400_000)];
  const book = (scheduleId: string, seats: number[], key?: string) =>
    http(stack, buyer, 'POST', '/v1/bookings', { scheduleId, seats }, key);
  const confirm = (id: string) =>
    http(stack, buyer, 'POST', `/v1/bookings/${id}/confirm`, { accountId: walletId });
  const completed = await book(soon.id, [1]);
  await confirm(completed.id);
  const expired = await book(later.id, [1]);
  const cancelled = await book(later.id, [2]);
  await confirm(cancelled.id);
  await http(stack, buyer, 'POST', `/v1/bookings/${cancelled.id}/cancel`);
  await book(later.id, [2, 3]);
  const refused = await book(later.id, [2], 'record-refused-booking');
  if (refused.code !== 'seats_unavailable')
    throw new Error(`expected a refusal, got ${JSON.stringify(refused)}`);
  const refusedId = resourceIdFor({
    sub: buyer.sub,
    idempotencyKey: 'record-refused-booking',
    scope: 'booking',
  });
  return [
    { name: 'booking-confirmed-completed', workflowId: completed.workflowId },
    { name: 'booking-expired', workflowId: expired.workflowId },
    { name: 'booking-cancelled-after-confirm', workflowId: cancelled.workflowId },
    { name: 'booking-refused', workflowId: workflowIds.booking(refusedId) },
    { name: 'booking-payment', workflowId: workflowIds.bookingPayment(completed.id) },
  ];
}

/**
 * runPaymentRequests drives payment requests (SPEC.md §7) through approved → paid, rejected,
 * expired (1.5 s APPROVAL_TTL, nobody decides) and approved → payout_failed (the source
 * lacks the funds), each asked by the buyer from its wallet and decided by staff.
 */
async function runPaymentRequests(stack: TestStack): Promise<Recording[]> {
  scene ??= await setScene(stack);
  const { staff, buyer, walletId, otherId } = scene;
  const ask = async (amountMinor: number) => {
    const asked = await http(stack, buyer, 'POST', '/v1/payment-requests', {
      fromAccountId: walletId,
      toAccountId: otherId,
      amountMinor,
      reason: 'recorded payment request',
    });
    if (asked.status !== 'pending_approval')
      throw new Error(`expected pending_approval, got ${JSON.stringify(asked)}`);
    return asked;
  };
  const decide = async (id: string, verb: 'approve' | 'reject', expected: string) => {
    const body = verb === 'approve' ? { note: 'recorded' } : { reason: 'recorded' };
    const decided = await http(stack, staff, 'POST', `/v1/payment-requests/${id}/${verb}`, body);
    if (decided.status !== expected)
      throw new Error(`expected ${expected}, got ${JSON.stringify(decided)}`);
  };
  const paid = await ask(100);
  await decide(paid.id, 'approve', 'paid');
  const rejected = await ask(100);
  await decide(rejected.id, 'reject', 'rejected');
  const expired = await ask(100);
  const unfunded = await ask(5_000_000);
  await decide(unfunded.id, 'approve', 'payout_failed');
  return [
    { name: 'payment-request-approved-paid', workflowId: paid.workflowId },
    { name: 'payment-request-rejected', workflowId: rejected.workflowId },
    { name: 'payment-request-expired-at-expires-at', workflowId: expired.workflowId },
    { name: 'payment-request-payout-failed', workflowId: unfunded.workflowId },
  ];
}

/** record waits for the run to close and writes its history as the CLI prints it (JSON). */
async function record(stack: TestStack, cli: string, recording: Recording): Promise<void> {
  const { name, workflowId, runId } = recording;
  const address = stack.config.temporalAddress;
  await stack.temporal.workflow
    .getHandle(workflowId, runId, runId ? { followRuns: false } : undefined)
    .result()
    .catch(() => undefined);
  // The CLI's JSON is the format historyFromJSON reads back (the replay test does).
  const run = runId ? ['--run-id', runId] : [];
  const { stdout } = await promisify(execFile)(
    cli,
    [
      'workflow',
      'show',
      '--workflow-id',
      workflowId,
      ...run,
      '--output',
      'json',
      '--address',
      address,
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const history = JSON.parse(stdout) as { events: unknown[] };
  const file = path.join(HISTORIES_DIR, `${name}.json`);
  await writeFile(file, JSON.stringify({ workflowId, history }, null, 1));
  console.log(`recorded ${name} (${workflowId}, ${history.events.length} events)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
