import { defineUpdate } from '@temporalio/workflow';
import type { PaymentView, PostHoldInput, TransferView } from './ledger';

/** createHoldUpdate places the hold (Update-with-Start) and returns the pending transfer. */
export const createHoldUpdate = defineUpdate<TransferView>('createHold');
/** postHoldUpdate posts a pending hold once, possibly for less; a second resolution → 409. */
export const postHoldUpdate = defineUpdate<TransferView, [PostHoldInput]>('postHold');
/** voidHoldUpdate voids a pending hold once, restoring availableMinor; a second resolution → 409. */
export const voidHoldUpdate = defineUpdate<TransferView, [{ actorId: string }]>('voidHold');
/** completePaymentUpdate completes a payment: exactly one caller gets it, others `already_completed`. */
export const completePaymentUpdate = defineUpdate<PaymentView, [{ actorId: string }]>('complete');
