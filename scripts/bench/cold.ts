import { signActor } from '../../tools/actors';
import { BENCH_JWT_SECRET } from './stack';

/** COLD_TOKENS_MIN is how many fresh customers' tokens a cold run signs before it starts. */
const COLD_TOKENS_MIN = 2_000;
/** COLD_REFILL is how many more are signed whenever fewer than it are left. */
const COLD_REFILL = 1_000;

/**
 * FreshCustomers hands out the tokens of customers the API has never seen, one per request:
 * each a new random `sub` signed with the bench secret by signActor, as the pool customers of
 * seed.ts are. Signing is asynchronous and autocannon builds requests synchronously, so tokens
 * are signed ahead (at least COLD_TOKENS_MIN, twice the expected requests when known) and
 * topped up in the background by COLD_REFILL whenever fewer than that are left.
 */
export class FreshCustomers {
  private readonly tokens: string[] = [];
  private refilling: Promise<void> | undefined;

  private constructor() {}

  /** prepare signs the first tokens: at least `count`. */
  static async prepare(count: number | undefined): Promise<FreshCustomers> {
    const supply = new FreshCustomers();
    await supply.sign(Math.max(COLD_TOKENS_MIN, Math.ceil(2 * (count ?? 0))));
    return supply;
  }

  /**
   * take returns an unused token.
   * @throws Error when the background signing fell behind the load (never reuses a customer).
   */
  take(): string {
    if (this.tokens.length < COLD_REFILL && !this.refilling) {
      this.refilling = this.sign(COLD_REFILL).finally(() => (this.refilling = undefined));
    }
    const token = this.tokens.pop();
    if (token === undefined) throw new Error('orders-cold: no fresh customer token left');
    return token;
  }

  private async sign(count: number): Promise<void> {
    const signed = await Promise.all(
      Array.from({ length: count }, () =>
        signActor({ role: 'customer', secret: BENCH_JWT_SECRET }),
      ),
    );
    this.tokens.push(...signed.map((actor) => actor.token));
  }
}
