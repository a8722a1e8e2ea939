import { randomUUID } from 'node:crypto';
import { resourceIdFor } from '../../domain/ids';
import type { Actor } from '../actors';
import type { Outcome } from './model';
import type { Requester } from './seed';
import { PAYMENT_REQUEST_MAX_MINOR } from './stack';
import { checkAnswer, pickFate, runClients, think, type WorkloadContext } from './workload';

/**
 * The approvals workload: each client is one requester asking for payouts between two of its
 * wallets; staff approve some (paid, or payout_failed when the wallet is short), reject some,
 * race an approval against a rejection on some (one decision wins), and leave the rest to
 * expire. A few requests ask for more than the maximum on purpose (422: no trace).
 */

/**
 * PLACED_STATUSES may answer an acknowledged request: pending approval, or already expired when
 * the answer reached the client only after APPROVAL_TTL (a retry gets the stored request).
 */
const PLACED_STATUSES = ['pending_approval', 'expired'];

/**
 * APPROVED_STATUSES may answer an acknowledged approval: paid or payout_failed once the payout
 * ran, or approved when a retry of the same approval was answered from the stored request while
 * the payout still ran.
 */
export const APPROVED_STATUSES = ['approved', 'paid', 'payout_failed'];

/** Decision is one staff decision sent and how it ended. */
export interface Decision {
  decision: 'approve' | 'reject';
  approverId: string;
  outcome: Outcome;
}

/** RequestStory is one payment request and the decisions sent on it. */
export interface RequestStory {
  requestId: string;
  requester: Requester;
  amountMinor: number;
  create: Outcome;
  decisions: Decision[];
}

/** ApprovalsLog is everything the approvals workload did. */
export interface ApprovalsLog {
  stories: RequestStory[];
}

/** runApprovals runs `clientsN` requesters (one customer each) until the load ends. */
export async function runApprovals(ctx: WorkloadContext, clientsN: number): Promise<ApprovalsLog> {
  const log: ApprovalsLog = { stories: [] };
  await runClients(ctx, clientsN, async (clientIndex) => {
    const story = await create(ctx, ctx.world.approvals.requesters[clientIndex]!);
    log.stories.push(story);
    if (story.create.kind === 'acked') await decide(ctx, story);
  });
  return log;
}

async function create(ctx: WorkloadContext, requester: Requester): Promise<RequestStory> {
  const tooMuch = ctx.random.chance(0.06);
  const amountMinor = tooMuch ? PAYMENT_REQUEST_MAX_MINOR + 1 : ctx.random.int(50, 600);
  const key = randomUUID();
  const requestId = resourceIdFor({
    sub: requester.actor.sub,
    idempotencyKey: key,
    scope: 'payment-request',
  });
  const outcome = await ctx.client.send('approvals', {
    method: 'POST',
    path: '/v1/payment-requests',
    token: requester.actor.token,
    key,
    body: {
      fromAccountId: requester.fromAccountId,
      toAccountId: requester.toAccountId,
      amountMinor,
      reason: 'chaos payout',
    },
  });
  checkAnswer(ctx, `payment request ${requestId}`, outcome, {
    acked: (request) => request?.id === requestId && PLACED_STATUSES.includes(request?.status),
    refusedCodes: ['validation_failed'],
  });
  return { requestId, requester, amountMinor, create: outcome, decisions: [] };
}

/**
 * decide approves, rejects, races an approval by one staff member against a rejection by the
 * other, or leaves the request to expire. The race must answer one 200 and one 409
 * `already_decided` (unless either is indeterminate).
 */
async function decide(ctx: WorkloadContext, story: RequestStory): Promise<void> {
  const fate = pickFate(ctx);
  if (fate === 'leave') return;
  await think(ctx, 1_500);
  if (!ctx.running()) return;
  const [first, second] = ctx.world.staff;
  if (fate === 'settle') story.decisions.push(await send(ctx, story, first!, 'approve'));
  else if (fate === 'cancel') story.decisions.push(await send(ctx, story, first!, 'reject'));
  else {
    story.decisions.push(
      ...(await Promise.all([
        send(ctx, story, first!, 'approve'),
        send(ctx, story, second!, 'reject'),
      ])),
    );
    const acked = story.decisions.filter((d) => d.outcome.kind === 'acked');
    if (acked.length > 1)
      ctx.anomalies.add(
        'unexpected answer or read',
        `payment request ${story.requestId}: both racing decisions answered 2xx`,
      );
  }
}

async function send(
  ctx: WorkloadContext,
  story: RequestStory,
  staff: Actor,
  decision: 'approve' | 'reject',
): Promise<Decision> {
  const outcome = await ctx.client.send('approvals', {
    method: 'POST',
    path: `/v1/payment-requests/${story.requestId}/${decision}`,
    token: staff.token,
    key: randomUUID(),
    body: decision === 'approve' ? { note: 'chaos approval' } : { reason: 'chaos rejection' },
  });
  checkAnswer(ctx, `${decision} payment request ${story.requestId}`, outcome, {
    acked: (request) =>
      decision === 'approve'
        ? APPROVED_STATUSES.includes(request?.status)
        : request?.status === 'rejected',
    refusedCodes: ['already_decided', 'invalid_transition'],
  });
  return { decision, approverId: staff.sub, outcome };
}
