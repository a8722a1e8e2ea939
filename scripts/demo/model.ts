import type { Actor } from '../../test/helpers/actors';
import type { OrderLineInput, OrderView } from '../../domain/orders';
import type { DemoResult, Problem } from './client';

/** OrderResult is an answer to POST /v1/orders or an order action: the order or a Problem. */
export type OrderResult = DemoResult<OrderView & Problem>;

/** Customer is one buyer: token, wallet, how much was deposited (minor units), and cart. */
export interface Customer extends Actor {
  index: number;
  walletId: string;
  depositMinor: number;
  cart: { lines: OrderLineInput[]; paymentMethod: 'wallet' };
  idempotencyKey: string;
}

/** Product is one catalog product of this run with its initial stock in units. */
export interface Product {
  id: string;
  name: string;
  priceMinor: number;
  initialStock: number;
}

/** SaleOutcome is one buyer's result in the flash sale. */
export interface SaleOutcome {
  customer: Customer;
  result: OrderResult;
}

/** Plan is what the demo does with a won order after the sale. */
export type Plan = 'pay' | 'payThenCancel' | 'cancelUnpaid' | 'leaveUnpaid';

/** WonOrder is a placed order and what happened to it in this demo. */
export interface WonOrder {
  order: OrderView;
  customer: Customer;
  plan: Plan;
  paid: boolean;
  payError?: string;
  cancelled: boolean;
}

/** Check is one named PASS/FAIL condition with an explanation of failures. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}
