import { DAY_MS } from './duration';
import { DomainError } from './errors';

/*
 * The allowance-programme contract (SPEC.md §8), shared by the API, the activities and the
 * audit: a programme gives each participant an allowance per period with category sub-limits;
 * a pause and vouchers multiply what is available. Safe for workflow code: no I/O, no zod
 * (request schemas live in domain/allowances-schemas.ts).
 */

/** AllowancePeriod is how often a programme's allowance renews (UTC calendar weeks or months). */
export type AllowancePeriod = 'week' | 'month';

/** PauseView is a programme pause: while it runs, its multiplier applies to what is available. */
export interface PauseView {
  id: string;
  programId: string;
  name: string;
  startsAt: string;
  endsAt: string;
  multiplier: number;
}

/** CategoryBalanceView is one category sub-limit of a participant's balance, in minor units. */
export interface CategoryBalanceView {
  category: string;
  limitMinor: number;
  spentMinor: number;
  /** fullBalanceMinor is the raw sub-limit left: limitMinor − spentMinor, never below 0. */
  fullBalanceMinor: number;
  /** availableBalanceMinor is what may be spent now: ⌊limitMinor × multiplier⌋ − spentMinor, ≥ 0. */
  availableBalanceMinor: number;
}

/**
 * AllowanceBalanceView is a participant's balance in the current period (SPEC.md §8): the raw
 * (full) balance, the available balance with the pause's and the vouchers' multipliers applied,
 * and the same per category. Every refusal states the available balance, never the raw one.
 */
export interface AllowanceBalanceView {
  customerId: string;
  programId: string;
  currency: string;
  /** period is the current allowance period, [startsAt, endsAt) in ISO-8601 UTC. */
  period: { startsAt: string; endsAt: string };
  allowanceMinor: number;
  spentMinor: number;
  /** fullBalanceMinor is allowanceMinor − spentMinor, never below 0: the raw balance. */
  fullBalanceMinor: number;
  /** availableBalanceMinor is ⌊allowanceMinor × multiplier⌋ − spentMinor, never below 0. */
  availableBalanceMinor: number;
  /** multiplier is the active pause's multiplier times every active voucher's (1 when none). */
  multiplier: number;
  pause: { name: string; multiplier: number; startsAt: string; endsAt: string } | null;
  vouchers: { multiplier: number; count: number };
  categories: CategoryBalanceView[];
}

/** ProgramView is the API shape of an allowance programme (SPEC.md §8); money in minor units. */
export interface ProgramView {
  id: string;
  name: string;
  currency: string;
  /** allowanceMinor is what each participant may spend per period, before multipliers. */
  allowanceMinor: number;
  period: AllowancePeriod;
  /** categoryLimits maps a product category to its sub-limit per period, in minor units. */
  categoryLimits: Record<string, number>;
  /** fundingAccountId is the programme's ledger account (kind `external`) that pays its orders. */
  fundingAccountId: string;
  createdAt: string;
}

/** ProgramDetailView is a programme with its pauses, sorted by start (GET /v1/programs/:id). */
export type ProgramDetailView = ProgramView & { pauses: PauseView[] };

/** ParticipantView is a customer's membership of a programme (one programme per customer). */
export interface ParticipantView {
  customerId: string;
  programId: string;
  joinedAt: string;
}

/** VoucherView is a participant's voucher: its multiplier applies until `expiresAt`. */
export interface VoucherView {
  id: string;
  customerId: string;
  programId: string;
  multiplier: number;
  expiresAt: string;
  createdAt: string;
}

/**
 * allowancePostingIds names the allowance postings of an order: one debit when it is paid, and
 * one restore when it is cancelled after payment (unique per order and kind in SQL too).
 */
export const allowancePostingIds = {
  debit: (orderId: string) => `order-${orderId}-allowance`,
  restore: (orderId: string) => `order-${orderId}-allowance-restore`,
} as const;

/**
 * allowancePeriodAt returns the allowance period that contains `at`, as [startsAt, endsAt):
 * the UTC ISO week (Monday 00:00 UTC to the next Monday) or the UTC calendar month.
 */
export function allowancePeriodAt(
  period: AllowancePeriod,
  at: Date,
): { startsAt: Date; endsAt: Date } {
  const [year, month, day] = [at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()];
  if (period === 'month') {
    return {
      startsAt: new Date(Date.UTC(year, month, 1)),
      endsAt: new Date(Date.UTC(year, month + 1, 1)),
    };
  }
  const daysSinceMonday = (at.getUTCDay() + 6) % 7;
  const startsAt = new Date(Date.UTC(year, month, day - daysSinceMonday));
  return { startsAt, endsAt: new Date(startsAt.getTime() + 7 * DAY_MS) };
}

/**
 * MULTIPLIER_SCALE is the denominator of a multiplier in thousandths: multipliers carry at
 * most 3 decimals (numeric(7, 3) in SQL), so every one is an exact integer of thousandths.
 */
const MULTIPLIER_SCALE = 1000n;

/**
 * multiplierThousandths reads a multiplier written as a decimal with at most 3 places (`2`,
 * `1.5`, `2.000`, as PostgreSQL prints numeric(7, 3)) as an exact count of thousandths.
 * @throws Error for any other text: a programmer error, since SQL and the schemas allow no other.
 */
export function multiplierThousandths(decimal: string): bigint {
  const match = /^(\d{1,6})(?:\.(\d{1,3}))?$/.exec(decimal);
  if (!match) throw new Error(`not a multiplier with at most 3 decimals: ${decimal}`);
  return BigInt(match[1]!) * MULTIPLIER_SCALE + BigInt((match[2] ?? '').padEnd(3, '0'));
}

/** Ratio is an exact non-negative fraction of BigInts (a product of multipliers). */
interface Ratio {
  numerator: bigint;
  denominator: bigint;
}

/** productOf multiplies multipliers given as decimal texts, exactly (1 for none). */
function productOf(decimals: readonly string[]): Ratio {
  return decimals.reduce<Ratio>(
    (product, decimal) => ({
      numerator: product.numerator * multiplierThousandths(decimal),
      denominator: product.denominator * MULTIPLIER_SCALE,
    }),
    { numerator: 1n, denominator: 1n },
  );
}

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));

/** toNumber is a ratio as the nearest JavaScript number (for display: 3 means 3×). */
function toNumber(ratio: Ratio): number {
  const divisor = gcd(ratio.numerator, ratio.denominator);
  return Number(ratio.numerator / divisor) / Number(ratio.denominator / divisor);
}

/**
 * scaledMinor is ⌊amountMinor × ratio⌋ in exact integer arithmetic, capped at
 * Number.MAX_SAFE_INTEGER (many large vouchers could multiply an allowance past it).
 */
function scaledMinor(amountMinor: number, ratio: Ratio): number {
  const scaled = (BigInt(amountMinor) * ratio.numerator) / ratio.denominator;
  return scaled > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(scaled);
}

/** PauseInput is one pause of the programme as stored: multiplier as a decimal text. */
export interface PauseInput {
  name: string;
  multiplier: string;
  startsAt: string;
  endsAt: string;
}

/** VoucherInput is one voucher of the participant as stored: multiplier as a decimal text. */
export interface VoucherInput {
  multiplier: string;
  expiresAt: string;
}

/**
 * AllowanceBalanceInput is everything a balance is computed from, read in one snapshot at
 * `at` (the transaction's time): the programme, the postings' sums in the current period (debits
 * minus restores, overall and per category, in minor units), its pauses and the participant's
 * vouchers. Pauses not running at `at` and vouchers expired at `at` are ignored.
 */
export interface AllowanceBalanceInput {
  customerId: string;
  programId: string;
  currency: string;
  period: AllowancePeriod;
  allowanceMinor: number;
  categoryLimits: Record<string, number>;
  at: Date;
  spentMinor: number;
  categorySpentMinor: Record<string, number>;
  pauses: PauseInput[];
  vouchers: VoucherInput[];
}

/**
 * computeAllowanceBalance is the balance arithmetic of SPEC.md §8. The multiplier is the pause
 * running at `at` (1 when none) times every unexpired voucher's, exact in thousandths. Then
 * fullBalanceMinor = max(0, allowanceMinor − spent) and availableBalanceMinor =
 * max(0, ⌊allowanceMinor × multiplier⌋ − spent); each category sub-limit likewise with its
 * limitMinor and its own spending. Categories are listed by name.
 */
export function computeAllowanceBalance(input: AllowanceBalanceInput): AllowanceBalanceView {
  const atMs = input.at.getTime();
  const pause =
    input.pauses.find((p) => Date.parse(p.startsAt) <= atMs && atMs < Date.parse(p.endsAt)) ?? null;
  const vouchers = input.vouchers.filter((v) => Date.parse(v.expiresAt) > atMs);
  const voucherMultipliers = vouchers.map((v) => v.multiplier);
  const multiplier = productOf(
    pause ? [pause.multiplier, ...voucherMultipliers] : voucherMultipliers,
  );
  const balanceOf = (limitMinor: number, spentMinor: number) => ({
    fullBalanceMinor: Math.max(0, limitMinor - spentMinor),
    availableBalanceMinor: Math.max(0, scaledMinor(limitMinor, multiplier) - spentMinor),
  });
  const { startsAt, endsAt } = allowancePeriodAt(input.period, input.at);
  return {
    customerId: input.customerId,
    programId: input.programId,
    currency: input.currency,
    period: { startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() },
    allowanceMinor: input.allowanceMinor,
    spentMinor: input.spentMinor,
    ...balanceOf(input.allowanceMinor, input.spentMinor),
    multiplier: toNumber(multiplier),
    pause: pause && {
      name: pause.name,
      multiplier: toNumber(productOf([pause.multiplier])),
      startsAt: new Date(pause.startsAt).toISOString(),
      endsAt: new Date(pause.endsAt).toISOString(),
    },
    vouchers: { multiplier: toNumber(productOf(voucherMultipliers)), count: vouchers.length },
    categories: Object.entries(input.categoryLimits)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([category, limitMinor]) => {
        const spentMinor = input.categorySpentMinor[category] ?? 0;
        return { category, limitMinor, spentMinor, ...balanceOf(limitMinor, spentMinor) };
      }),
  };
}

/**
 * AllowanceRequest is what an order asks of an allowance: its currency, its total and its
 * subtotal per product category (lines without a category count only toward the total).
 */
export interface AllowanceRequest {
  currency: string;
  totalMinor: number;
  categoryMinor: Record<string, number>;
}

/**
 * allowanceRequestOf sums order lines (unit price × quantity, in minor units) into an
 * AllowanceRequest: the total and the subtotal of each category.
 */
export function allowanceRequestOf(
  currency: string,
  lines: readonly { quantity: number; priceMinor: number; category: string | null }[],
): AllowanceRequest {
  const categoryMinor: Record<string, number> = {};
  let totalMinor = 0;
  for (const line of lines) {
    const amountMinor = line.priceMinor * line.quantity;
    totalMinor += amountMinor;
    if (line.category !== null)
      categoryMinor[line.category] = (categoryMinor[line.category] ?? 0) + amountMinor;
  }
  return { currency, totalMinor, categoryMinor };
}

/**
 * assertAllowanceCoversRequest refuses what the balance does not cover (SPEC.md §8): currency,
 * then each limited category by name, then the total. Refusals state the AVAILABLE balance
 * (multipliers applied), never the raw one, which stays with staff: extras `{requestedMinor,
 * availableBalanceMinor, multiplier}`, plus `category` for a category, in minor units.
 * @throws DomainError `currency_mismatch`, `category_limit_exceeded`, `insufficient_allowance`.
 */
export function assertAllowanceCoversRequest(
  balance: AllowanceBalanceView,
  request: AllowanceRequest,
): void {
  const extra = {
    requestedMinor: request.totalMinor,
    availableBalanceMinor: balance.availableBalanceMinor,
    multiplier: balance.multiplier,
  };
  if (request.currency !== balance.currency) {
    throw new DomainError(
      'currency_mismatch',
      `The order is in ${request.currency}, the allowance programme in ${balance.currency}`,
      { ...extra, currencies: [request.currency, balance.currency] },
    );
  }
  for (const category of balance.categories) {
    const requestedMinor = request.categoryMinor[category.category] ?? 0;
    if (requestedMinor <= category.availableBalanceMinor) continue;
    throw new DomainError(
      'category_limit_exceeded',
      `The order asks ${requestedMinor} in category ${category.category}, whose available ` +
        `allowance is ${category.availableBalanceMinor} ${balance.currency} minor units` +
        ` (multiplier ${balance.multiplier} applied)`,
      {
        ...extra,
        category: {
          category: category.category,
          requestedMinor,
          availableBalanceMinor: category.availableBalanceMinor,
        },
      },
    );
  }
  if (request.totalMinor <= balance.availableBalanceMinor) return;
  throw new DomainError(
    'insufficient_allowance',
    `The order asks ${request.totalMinor}, and the available allowance is ` +
      `${balance.availableBalanceMinor} ${balance.currency} minor units (multiplier ` +
      `${balance.multiplier} applied)`,
    extra,
  );
}
