import type { OrderLineInput, OrderView } from '../../domain/orders';
import type { DemoResult, Problem } from './client';
import type { Funded } from './seed';

/** The flash sale's shapes: its buyers, products, the sale's answers and the won orders. */

/** OrderResult is an answer to POST /v1/orders or an order action: the order or a Problem. */
export type OrderResult = DemoResult<OrderView & Problem>;

/** Customer is one buyer: token, funded wallet (deposit in minor units), cart and Idempotency-Key. */
export interface Customer extends Funded {
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

/** FlashSale is the sale's answers (one per customer), the concurrent duplicates' and its wall time in ms. */
export interface FlashSale {
  outcomes: SaleOutcome[];
  duplicatePairs: SaleOutcome[];
  wallMs: number;
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
