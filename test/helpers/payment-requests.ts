import { expectStatus, stackCaller, type Actor, type TestStack } from '../../tools/app';
import { openWallet } from './factories';

/*
 * Payment-request fixtures (SPEC.md §7): two wallets of one requester and a request between
 * them, created through the API.
 */

/** PaymentRequestScene is a requester, the two wallets and a pending request for `amountMinor`. */
export interface PaymentRequestScene {
  requester: Actor;
  fromAccountId: string;
  toAccountId: string;
  request: { id: string; status: string; workflowId: string };
}

/**
 * openRequest funds a source wallet with `fundedMinor`, opens an empty destination wallet and
 * asks for `amountMinor` between them as `requester` (201 expected).
 */
export async function openRequest(
  stack: TestStack,
  staff: Actor,
  requester: Actor,
  input: { amountMinor: number; fundedMinor: number },
): Promise<PaymentRequestScene> {
  const fromAccountId = await openWallet(stack, staff, requester, input.fundedMinor);
  const toAccountId = await openWallet(stack, staff, requester, 0);
  const request = expectStatus<PaymentRequestScene['request']>(
    await stackCaller(stack)('POST', '/v1/payment-requests', {
      token: requester.token,
      body: { fromAccountId, toAccountId, amountMinor: input.amountMinor, reason: 'test payout' },
    }),
    201,
    'create payment request',
  );
  return { requester, fromAccountId, toAccountId, request };
}
