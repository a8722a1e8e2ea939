import {
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  type ApplicationFailure,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DomainError } from '../domain/errors';
import type { HoldWorkflowInput, TransferView } from '../domain/ledger';
import { createHoldUpdate, postHoldUpdate, voidHoldUpdate } from '../domain/ledger-messages';
import {
  DB_ACTIVITY_OPTIONS,
  Mutex,
  toHandlerFailure,
  toRejection,
  type Rejection,
} from './common';

const { createHold, resolveHold } = proxyActivities<Activities>(DB_ACTIVITY_OPTIONS);

/** HoldWorkflowResult is the hold as it ended (posted or voided), or the refusal to place it. */
export interface HoldWorkflowResult {
  hold?: TransferView;
  rejection?: Rejection;
}

/**
 * holdWorkflow (`transfer-<transferId>`) is a two-phase transfer, as in a card authorisation
 * (SPEC.md §5 "Holds"): the `createHold` Update places it with Update-with-Start, then it is
 * posted (possibly for less) or voided by an Update, or voided by its timer after
 * `timeoutMs`. It resolves at most once: a second resolution gets 409 `already_resolved`.
 */
export async function holdWorkflow(input: HoldWorkflowInput): Promise<HoldWorkflowResult> {
  let hold: TransferView | undefined;
  let rejection: ApplicationFailure | undefined;
  let creating: Promise<void> | undefined;
  const writes = new Mutex();

  const create = () =>
    (creating ??= (async () => {
      try {
        const {
          transferId,
          fromAccountId,
          toAccountId,
          amountMinor,
          description,
          initiatedBy,
          timeoutMs,
        } = input;
        const timeoutAt = new Date(Date.now() + timeoutMs).toISOString();
        hold = await createHold({
          id: transferId,
          kind: 'hold',
          fromAccountId,
          toAccountId,
          amountMinor,
          description,
          initiatedBy,
          timeoutAt,
        });
      } catch (err) {
        rejection = toHandlerFailure(err);
      }
    })());

  const resolve = async (action: 'post' | 'void', amountMinor?: number): Promise<TransferView> => {
    await create();
    if (rejection) throw rejection;
    return writes.runExclusive(async () => {
      if (hold!.status !== 'pending') {
        throw new DomainError('already_resolved', `The hold was already ${hold!.status}`, {
          transferStatus: hold!.status,
        }).toFailure();
      }
      try {
        hold = await resolveHold({ transferId: input.transferId, action, amountMinor });
        return hold;
      } catch (err) {
        throw toHandlerFailure(err);
      }
    });
  };

  setHandler(createHoldUpdate, async () => {
    await create();
    if (rejection) throw rejection;
    return hold!;
  });
  setHandler(postHoldUpdate, ({ amountMinor }) => resolve('post', amountMinor));
  setHandler(voidHoldUpdate, () => resolve('void'));

  await create();
  if (!rejection) {
    const resolved = await condition(() => hold!.status !== 'pending', input.timeoutMs);
    if (!resolved) {
      await writes.runExclusive(async () => {
        if (hold!.status === 'pending')
          hold = await resolveHold({ transferId: input.transferId, action: 'void' });
      });
    }
  }
  await condition(allHandlersFinished);
  return rejection ? { rejection: toRejection(rejection) } : { hold };
}
