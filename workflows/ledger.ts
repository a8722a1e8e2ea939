import {
  allHandlersFinished,
  condition,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  createHoldUpdate,
  HOLD_MACHINE,
  postHoldUpdate,
  voidHoldUpdate,
  type HoldWorkflowInput,
  type TransferView,
  type TransferWorkflowInput,
} from '../domain/ledger';
import { DB_ACTIVITY_OPTIONS, DB_LOCAL_ACTIVITY_OPTIONS, refusing, StatefulEntity } from './kit';

const { createHold, resolveHold } = proxyActivities<Activities>(DB_ACTIVITY_OPTIONS);
const { executeTransfer } = proxyLocalActivities<Activities>(DB_LOCAL_ACTIVITY_OPTIONS);

/**
 * transferWorkflow (`transfer-<transferId>`) posts one ledger transfer (SPEC.md §5). Started
 * with reuse policy REJECT_DUPLICATE, so a duplicate request reads this run's result, or its
 * Refusal (`insufficient_funds` …), instead of moving money again. The transfer posts in a
 * local activity, so the run closes in its first workflow task.
 */
export async function transferWorkflow(input: TransferWorkflowInput): Promise<TransferView> {
  return refusing(() => executeTransfer(input));
}

/**
 * holdWorkflow (`transfer-<transferId>`) is a two-phase transfer, as in a card authorisation
 * (SPEC.md §5 "Holds"): the `createHold` Update places it with Update-with-Start, then it is
 * posted (possibly for less) or voided by an Update, or voided by its timer after
 * `timeoutMs`. It resolves at most once: a second resolution gets 409 `already_resolved`. A
 * refused hold fails the run with its Refusal.
 */
export async function holdWorkflow(input: HoldWorkflowInput): Promise<TransferView> {
  const hold = new StatefulEntity(
    () =>
      createHold({
        id: input.transferId,
        kind: 'hold',
        fromAccountId: input.fromAccountId,
        toAccountId: input.toAccountId,
        amountMinor: input.amountMinor,
        description: input.description,
        initiatedBy: input.initiatedBy,
        timeoutAt: new Date(Date.now() + input.timeoutMs).toISOString(),
      }),
    HOLD_MACHINE,
  );
  const { transferId } = input;
  setHandler(createHoldUpdate, () => hold.placed());
  setHandler(postHoldUpdate, ({ amountMinor }) =>
    hold.moveTo('posted', () => resolveHold({ transferId, action: 'post', amountMinor })),
  );
  setHandler(voidHoldUpdate, () =>
    hold.moveTo('voided', () => resolveHold({ transferId, action: 'void' })),
  );
  await hold.settle();
  if (!hold.refusal) {
    await hold.changeWhenDue(
      input.timeoutMs,
      (current) => current.status === 'pending',
      () => resolveHold({ transferId, action: 'void' }),
    );
  }
  await condition(allHandlersFinished);
  if (hold.refusal) throw hold.refusal;
  return hold.current;
}
