import { ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { updateOrConflict } from '../../api/temporal-kit';
import { DomainError } from '../../domain/errors';

/*
 * updateOrConflict reads the stored row only when Temporal refused the Update because its run
 * closed. A call that failed in transit may hide an Update that ran (found by `npm run chaos`:
 * a cancel answered 409 invalid_transition while Temporal restarted, yet the order was
 * cancelled), so it stays a 503 the client retries with its key.
 */

const conflict = new DomainError('invalid_transition', 'The order is cancelled');

describe('updateOrConflict', () => {
  it.each([
    ['Temporal unreachable', new ServiceError('Workflow Update failed')],
    ['the call timed out', new WorkflowUpdateRPCTimeoutOrCancelledError('timeout')],
  ])(
    'when the Update failed in transit (%s), then the failure propagates and the row is not read',
    async (_, failure) => {
      let reads = 0;

      const answer = updateOrConflict(
        () => Promise.reject(failure),
        async () => {
          reads += 1;
          return conflict;
        },
      );

      await expect(answer).rejects.toBe(failure);
      expect(reads).toBe(0);
    },
  );

  it('when the run had closed, then the stored row names the conflict', async () => {
    const closed = new WorkflowNotFoundError('workflow execution already completed', 'order-1', '');

    const answer = updateOrConflict(
      () => Promise.reject(closed),
      async () => conflict,
    );

    await expect(answer).rejects.toBe(conflict);
  });
});
