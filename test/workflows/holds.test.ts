import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import type { CreateHoldInput } from '../../activities/ledger';
import { DomainError } from '../../domain/errors';
import {
  createHoldUpdate,
  postHoldUpdate,
  voidHoldUpdate,
  type TransferView,
} from '../../domain/ledger';
import { workflowIds } from '../../domain/workflow-ids';
import { holdWorkflow } from '../../workflows/ledger';
import {
  ActivityLog,
  Gates,
  rejectionOf,
  updateWithStart,
  useWorkflowWorker,
  waitForTimerHandled,
} from '../helpers/workflow-worker';

/*
 * holdWorkflow with mocked activities: a Map stands in for the ledger_transfers table, so each
 * mock returns the hold as the real activity would have left it.
 */

const HELD_MINOR = 1_000;
const LONG_TIMEOUT_MS = 10 * 60_000;

const log = new ActivityLog();
const gates = new Gates();
const holdsById = new Map<string, TransferView>();
const holdRefusals = new Map<string, DomainError>();

const env = useWorkflowWorker({
  taskQueuePrefix: 'wf-holds',
  beforeStop: () => gates.openAll(),
  activities: log.record({
    async createHold(input) {
      await gates.pass('createHold', input.id);
      const refusal = holdRefusals.get(input.id);
      if (refusal) throw refusal.toFailure();
      const hold = pendingHold(input);
      holdsById.set(input.id, hold);
      return hold;
    },
    async resolveHold(input) {
      await gates.pass('resolveHold', input.transferId);
      const stored = holdsById.get(input.transferId);
      if (!stored) throw new Error(`mock: hold ${input.transferId} was never created`);
      const at = new Date().toISOString();
      const resolved: TransferView =
        input.action === 'post'
          ? { ...stored, status: 'posted', amountMinor: input.amountMinor ?? stored.amountMinor }
          : { ...stored, status: 'voided', voidedAt: at };
      if (input.action === 'post') resolved.postedAt = at;
      holdsById.set(input.transferId, resolved);
      return resolved;
    },
  }),
});

/** pendingHold is the canned `pending` hold the createHold activity returns. */
function pendingHold(input: CreateHoldInput): TransferView {
  return {
    id: input.id,
    kind: input.kind,
    fromAccountId: input.fromAccountId,
    toAccountId: input.toAccountId,
    amountMinor: input.amountMinor,
    currency: 'EUR',
    status: 'pending',
    description: input.description ?? null,
    timeoutAt: input.timeoutAt,
    createdAt: new Date().toISOString(),
    postedAt: null,
    voidedAt: null,
  };
}

/** placeHold starts `transfer-<transferId>` with its `createHold` Update, as POST /v1/transfers does. */
function placeHold(transferId: string, timeoutMs: number): Promise<TransferView> {
  return updateWithStart(env, {
    workflow: holdWorkflow,
    workflowId: workflowIds.transfer(transferId),
    args: [
      {
        transferId,
        fromAccountId: `from-${transferId}`,
        toAccountId: `to-${transferId}`,
        amountMinor: HELD_MINOR,
        description: 'deposit for a rental',
        initiatedBy: 'staff',
        timeoutMs,
      },
    ],
    update: createHoldUpdate,
    updateArgs: [],
  });
}

/** placedHold places a hold and returns its ID and its workflow's handle. */
async function placedHold(timeoutMs = LONG_TIMEOUT_MS) {
  const transferId = randomUUID();
  await placeHold(transferId, timeoutMs);
  return {
    transferId,
    handle: env.client.workflow.getHandle<typeof holdWorkflow>(workflowIds.transfer(transferId)),
  };
}

describe('holdWorkflow: placement', () => {
  it('when three createHold Updates race the workflow body, then createHold runs once and all get the pending hold', async () => {
    const transferId = randomUUID();
    const before = Date.now();

    const holds = await Promise.all([1, 2, 3].map(() => placeHold(transferId, LONG_TIMEOUT_MS)));

    const inputs = log.inputsOf('createHold', transferId);
    expect(inputs).toHaveLength(1);
    expect(inputs[0]).toMatchObject({
      id: transferId,
      kind: 'hold',
      fromAccountId: `from-${transferId}`,
      toAccountId: `to-${transferId}`,
      amountMinor: HELD_MINOR,
      initiatedBy: 'staff',
    });
    const timeoutAtMs = Date.parse(inputs[0]!.timeoutAt);
    expect(timeoutAtMs).toBeGreaterThanOrEqual(before + LONG_TIMEOUT_MS - 1_000);
    expect(timeoutAtMs).toBeLessThanOrEqual(Date.now() + LONG_TIMEOUT_MS);
    for (const hold of holds) expect(hold).toMatchObject({ id: transferId, status: 'pending' });
  });

  it('when createHold refuses with insufficient_funds, then the Update and the run fail with that code', async () => {
    const transferId = randomUUID();
    const extra = { accountId: `from-${transferId}`, availableMinor: 40 };
    holdRefusals.set(transferId, new DomainError('insufficient_funds', 'Not enough money', extra));

    const update = await rejectionOf(placeHold(transferId, LONG_TIMEOUT_MS));
    const handle = env.client.workflow.getHandle(workflowIds.transfer(transferId));
    const run = await rejectionOf(handle.result());

    expect(update.error).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(update.refusal).toMatchObject({ code: 'insufficient_funds', status: 409 });
    expect(update.refusal?.extra).toEqual(extra);
    expect(run.refusal).toMatchObject({ code: 'insufficient_funds' });
    expect(run.refusal?.extra).toEqual(extra);
    expect(log.inputsOf('createHold', transferId)).toHaveLength(1);
    expect(log.inputsOf('resolveHold', transferId)).toEqual([]);
  });
});

describe('holdWorkflow: resolution', () => {
  it('when a hold is posted for less, then resolveHold posts that amount once and the run returns it', async () => {
    const { transferId, handle } = await placedHold();

    const posted = await handle.executeUpdate(postHoldUpdate, {
      args: [{ amountMinor: 600, actorId: 'staff' }],
    });

    expect(posted).toMatchObject({ id: transferId, status: 'posted', amountMinor: 600 });
    expect(log.inputsOf('resolveHold', transferId)).toEqual([
      { transferId, action: 'post', amountMinor: 600 },
    ]);
    expect(await handle.result()).toMatchObject({ status: 'posted', amountMinor: 600 });
  });

  it('when a void and a second post arrive while the post is in flight, then both are refused already_resolved and resolveHold runs once', async () => {
    const { transferId, handle } = await placedHold();
    gates.close('resolveHold', transferId);
    const accepted = { waitForStage: WorkflowUpdateStage.ACCEPTED } as const;

    const post = await handle.startUpdate(postHoldUpdate, {
      args: [{ amountMinor: 600, actorId: 'staff' }],
      ...accepted,
    });
    const voidAfter = await handle.startUpdate(voidHoldUpdate, {
      args: [{ actorId: 'staff' }],
      ...accepted,
    });
    const postAgain = await handle.startUpdate(postHoldUpdate, {
      args: [{ actorId: 'staff' }],
      ...accepted,
    });
    gates.open('resolveHold', transferId);
    const posted = await post.result();
    const refusals = [await rejectionOf(voidAfter.result()), await rejectionOf(postAgain.result())];

    expect(posted).toMatchObject({ status: 'posted', amountMinor: 600 });
    for (const { error, refusal } of refusals) {
      expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(refusal).toMatchObject({ code: 'already_resolved', status: 409 });
      expect(refusal?.extra).toEqual({ transferStatus: 'posted' });
    }
    expect(log.inputsOf('resolveHold', transferId)).toEqual([
      { transferId, action: 'post', amountMinor: 600 },
    ]);
    expect(await handle.result()).toMatchObject({ status: 'posted', amountMinor: 600 });
  });
});

describe('holdWorkflow: timeout', () => {
  it('when nobody resolves the hold within timeoutMs, then the timer voids it once', async () => {
    const startedAt = Date.now();
    const { transferId, handle } = await placedHold(1_000);

    const result = await handle.result();

    expect(result).toMatchObject({ id: transferId, status: 'voided' });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1_000);
    expect(log.inputsOf('resolveHold', transferId)).toEqual([{ transferId, action: 'void' }]);
  });

  it('when the timer fires while a post is in flight, then the hold stays posted and is never voided', async () => {
    const { transferId, handle } = await placedHold(1_000);
    gates.close('resolveHold', transferId);

    const post = await handle.startUpdate(postHoldUpdate, {
      args: [{ actorId: 'staff' }],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    await waitForTimerHandled(handle, 10_000);
    gates.open('resolveHold', transferId);

    expect(await post.result()).toMatchObject({ status: 'posted', amountMinor: HELD_MINOR });
    expect(await handle.result()).toMatchObject({ status: 'posted' });
    expect(log.inputsOf('resolveHold', transferId)).toEqual([
      { transferId, action: 'post', amountMinor: undefined },
    ]);
  });
});
