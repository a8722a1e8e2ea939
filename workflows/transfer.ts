import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { TransferView } from '../domain/ledger';
import type { TransferWorkflowInput } from '../domain/transfer';
import { DB_ACTIVITY_OPTIONS } from './common';

const { executeTransfer } = proxyActivities<Activities>(DB_ACTIVITY_OPTIONS);

/**
 * transferWorkflow (`transfer-<transferId>`) posts one ledger transfer. Started with reuse
 * policy REJECT_DUPLICATE, so a duplicate request reads this run's result (or its refusal)
 * instead of moving money again.
 */
export async function transferWorkflow(input: TransferWorkflowInput): Promise<TransferView> {
  return executeTransfer(input);
}
