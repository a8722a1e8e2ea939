import { beforeAll, describe, expect, it } from 'vitest';
import { actor, call, expectStatus, useStack, type Actor, type TestStack } from '../helpers/stack';
import { balanceOf, countRows, expectLedgerConsistent, waitFor } from '../helpers/factories';
import { openRequest } from '../helpers/payment-requests';

/*
 * Payment-request approvals on the real stack (SPEC.md §7): one decision, exactly one payout,
 * races between approvers, against rejection and against the approval timer.
 */

let stack: TestStack;
/** shortTtl is the same stack with a 1.5 s APPROVAL_TTL, for the expiry races. */
let shortTtl: TestStack;
let staff: Actor[];

beforeAll(async () => {
  stack = await useStack();
  shortTtl = await useStack({ approvalTtlMs: 1_500 });
  staff = await Promise.all(Array.from({ length: 5 }, () => actor('staff')));
});

/** decide sends approve or reject for `id` as `who`. */
function decide(on: TestStack, who: Actor, id: string, decision: 'approve' | 'reject') {
  const body = decision === 'approve' ? { note: 'ok' } : { reason: 'not now' };
  return call(on, 'POST', `/v1/payment-requests/${id}/${decision}`, { token: who.token, body });
}

/** rowsOf counts the approval rows and payout transfers of a request. */
async function rowsOf(on: TestStack, id: string) {
  return {
    approvals: await countRows(
      on,
      'SELECT count(*) AS n FROM payment_request_approvals WHERE payment_request_id = $1',
      [id],
    ),
    payouts: await countRows(on, 'SELECT count(*) AS n FROM ledger_transfers WHERE id = $1', [
      `payment-request-${id}-payout`,
    ]),
  };
}

describe('deciding a payment request', () => {
  it('when five staff approve at once, then one 200 paid, four 409 already_decided, one approval row, one payout and exact balances', async () => {
    const requester = await actor('customer');
    const scene = await openRequest(stack, staff[0]!, requester, {
      amountMinor: 7_000,
      fundedMinor: 10_000,
    });
    expect(scene.request.status).toBe('pending_approval');

    const results = await Promise.all(
      staff.map((s) => decide(stack, s, scene.request.id, 'approve')),
    );

    const won = results.filter((r) => r.status === 200);
    const lost = results.filter((r) => r.status === 409);
    expect([won.length, lost.length]).toEqual([1, 4]);
    expect(won[0]!.body).toMatchObject({ status: 'paid', approval: { decision: 'approved' } });
    for (const r of lost) {
      expect(r.body.code).toBe('already_decided');
      expect(r.body.approval).toEqual(won[0]!.body.approval);
    }
    expect(await rowsOf(stack, scene.request.id)).toEqual({ approvals: 1, payouts: 1 });
    expect(await balanceOf(stack, scene.fromAccountId)).toBe(3_000);
    expect(await balanceOf(stack, scene.toAccountId)).toBe(7_000);
    await expectLedgerConsistent(stack);
  });

  it('when approve races reject, then exactly one decision stands and money moves only if it was the approval', async () => {
    const requester = await actor('customer');
    const scene = await openRequest(stack, staff[0]!, requester, {
      amountMinor: 500,
      fundedMinor: 1_000,
    });

    const [approve, reject] = await Promise.all([
      decide(stack, staff[1]!, scene.request.id, 'approve'),
      decide(stack, staff[2]!, scene.request.id, 'reject'),
    ]);

    expect([approve.status, reject.status].sort()).toEqual([200, 409]);
    const final = expectStatus(
      await call(stack, 'GET', `/v1/payment-requests/${scene.request.id}`, {
        token: requester.token,
      }),
      200,
    );
    const approved = approve.status === 200;
    expect(final.status).toBe(approved ? 'paid' : 'rejected');
    expect(await rowsOf(stack, scene.request.id)).toEqual({
      approvals: 1,
      payouts: approved ? 1 : 0,
    });
    expect(await balanceOf(stack, scene.toAccountId)).toBe(approved ? 500 : 0);
  });

  it('when the requester approves their own request, then 403 self_approval and nothing is recorded', async () => {
    const requesterStaff = staff[3]!;
    const scene = await openRequest(stack, staff[0]!, requesterStaff, {
      amountMinor: 100,
      fundedMinor: 100,
    });

    const self = await decide(stack, requesterStaff, scene.request.id, 'approve');

    expect(self.status).toBe(403);
    expect(self.body.code).toBe('self_approval');
    expect(await rowsOf(stack, scene.request.id)).toEqual({ approvals: 0, payouts: 0 });
  });

  it('when the same approver repeats the same decision, then 200 with the stored record, and another decision 409', async () => {
    const requester = await actor('customer');
    const scene = await openRequest(stack, staff[0]!, requester, {
      amountMinor: 100,
      fundedMinor: 100,
    });
    const first = expectStatus(await decide(stack, staff[1]!, scene.request.id, 'reject'), 200);

    const again = await decide(stack, staff[1]!, scene.request.id, 'reject');
    const other = await decide(stack, staff[1]!, scene.request.id, 'approve');

    expect(again.status).toBe(200);
    expect(again.body.approval).toEqual(first.approval);
    expect(first.status).toBe('rejected');
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('already_decided');
    expect(await rowsOf(stack, scene.request.id)).toEqual({ approvals: 1, payouts: 0 });
  });

  it('when the source lacks the funds, then payout_failed with the ledger reason, no transfer and no retry', async () => {
    const requester = await actor('customer');
    const scene = await openRequest(stack, staff[0]!, requester, {
      amountMinor: 5_000,
      fundedMinor: 100,
    });

    const approved = expectStatus(await decide(stack, staff[1]!, scene.request.id, 'approve'), 200);

    expect(approved.status).toBe('payout_failed');
    expect(approved.payout).toMatchObject({ status: 'failed', transferId: null });
    expect(approved.payout.failure.code).toBe('insufficient_funds');
    expect(await rowsOf(stack, scene.request.id)).toEqual({ approvals: 1, payouts: 0 });
    expect(await balanceOf(stack, scene.fromAccountId)).toBe(100);
    await expectLedgerConsistent(stack);
  });
});

describe('expiry', () => {
  it('when nobody decides within APPROVAL_TTL, then the timer expires it, and approve racing the timer never pays an expired request', async () => {
    const requester = await actor('customer');
    const idle = await openRequest(shortTtl, staff[0]!, requester, {
      amountMinor: 100,
      fundedMinor: 10_000,
    });
    const raced = await Promise.all(
      Array.from({ length: 4 }, () =>
        openRequest(shortTtl, staff[0]!, requester, { amountMinor: 100, fundedMinor: 100 }),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_350));
    const answers = await Promise.all(
      raced.map((s) => decide(shortTtl, staff[1]!, s.request.id, 'approve')),
    );

    const expired = await waitFor(
      async () =>
        (
          await call(shortTtl, 'GET', `/v1/payment-requests/${idle.request.id}`, {
            token: requester.token,
          })
        ).body.status === 'expired',
      15_000,
    );
    expect(expired).toBe(true);
    for (const [i, answer] of answers.entries()) {
      const id = raced[i]!.request.id;
      const final = (
        await call(shortTtl, 'GET', `/v1/payment-requests/${id}`, { token: requester.token })
      ).body;
      expect([200, 409]).toContain(answer.status);
      expect(final.status).toBe(answer.status === 200 ? 'paid' : 'expired');
      expect(await rowsOf(shortTtl, id)).toEqual(
        answer.status === 200 ? { approvals: 1, payouts: 1 } : { approvals: 0, payouts: 0 },
      );
    }
    await expectLedgerConsistent(shortTtl);
  });
});
