/*
 * What the failed-attempt audit keeps of a refused body (SPEC.md §8 "cart snapshot", §10 "Bounded
 * storage"). A refused request may carry 64 KiB of anything, so before the write: NUL (U+0000) is
 * removed from strings and keys and lone surrogates become U+FFFD (jsonb and text refuse them,
 * 22P05); nesting past AUDIT_CART_DEPTH_MAX becomes TOO_DEEP (deeper bodies overflow
 * JSON.stringify's stack and PostgreSQL's max_stack_depth); JSON over the limit is stored as a
 * TruncatedCart (size and head), so the row stays valid JSON and says it is cut. Pure, no I/O.
 */

/** AUDIT_CART_MAX_BYTES_DEFAULT is AUDIT_CART_MAX_BYTES's default: 8 KiB (SPEC.md §10). */
export const AUDIT_CART_MAX_BYTES_DEFAULT = 8_192;

/**
 * AUDIT_CART_MAX_BYTES_MIN is the smallest limit AUDIT_CART_MAX_BYTES takes: room for the
 * TruncatedCart wrapper and a useful head.
 */
export const AUDIT_CART_MAX_BYTES_MIN = 256;

/** AUDIT_CART_MAX_BYTES_MAX is the largest: a request body is at most 64 KiB (SPEC.md §1). */
export const AUDIT_CART_MAX_BYTES_MAX = 65_536;

/** AUDIT_CART_DEPTH_MAX bounds the nesting of a stored snapshot; deeper values are TOO_DEEP. */
export const AUDIT_CART_DEPTH_MAX = 64;

/** TOO_DEEP replaces a value nested deeper than AUDIT_CART_DEPTH_MAX. */
export const TOO_DEEP = '[nested too deep]';

/**
 * TruncatedCart is the stored snapshot of a body whose JSON exceeds AUDIT_CART_MAX_BYTES:
 * `truncated: true`, `bytes` the UTF-8 size of the whole (cleaned) snapshot's compact JSON,
 * and `head` that JSON's first characters, cut on a character boundary so the stored JSON of
 * the whole wrapper stays within the limit.
 */
export interface TruncatedCart {
  truncated: true;
  bytes: number;
  head: string;
}

const encoder = new TextEncoder();

/** utf8Bytes is the UTF-8 size of `text`. */
function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}

/** LONE_SURROGATE matches a UTF-16 surrogate without its pair. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** cleanString removes NUL characters and replaces lone surrogates with U+FFFD. */
export function cleanString(text: string): string {
  return text.replaceAll('\u0000', '').replace(LONE_SURROGATE, '\ufffd');
}

/**
 * plainNumberGrowth is how many more characters PostgreSQL prints for `value` than
 * JSON.stringify does: jsonb keeps numbers as numeric, which prints without an exponent, so
 * `1e+300` (6 characters) is stored and read back as 301.
 */
function plainNumberGrowth(value: number): number {
  const text = JSON.stringify(value);
  const match = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return 0;
  const [, sign, whole, fraction = '', exponent] = match;
  const digits = whole! + fraction;
  const point = whole!.length + Number(exponent);
  const plain =
    point >= digits.length ? point : point <= 0 ? 2 + -point + digits.length : digits.length + 1;
  return sign!.length + plain - text.length;
}

/**
 * Cleaned is a cleaned value and `growth`, how many more bytes PostgreSQL prints for it (its
 * jsonb as text) than JSON.stringify does: a space after every `:` and `,`, and numbers
 * without exponents. With it, a snapshot's size is what `octet_length(cart::text)` reads.
 */
interface Cleaned {
  value: unknown;
  growth: number;
}

/** separatorGrowth is the spaces jsonb's text adds to an array or object of `count` members. */
const separatorGrowth = (count: number, isObject: boolean) =>
  Math.max(count - 1, 0) + (isObject ? count : 0);

/**
 * cleanValue copies a JSON value with cleanString applied to every string and key, values
 * deeper than AUDIT_CART_DEPTH_MAX replaced by TOO_DEEP, and what JSON cannot hold (undefined,
 * functions, non-finite numbers) as JSON.stringify would write it.
 */
function cleanValue(value: unknown, depth: number): Cleaned {
  if (typeof value === 'string') return { value: cleanString(value), growth: 0 };
  if (typeof value === 'number')
    return Number.isFinite(value)
      ? { value, growth: plainNumberGrowth(value) }
      : { value: null, growth: 0 };
  if (value === null || typeof value !== 'object') return { value, growth: 0 };
  if (depth >= AUDIT_CART_DEPTH_MAX) return { value: TOO_DEEP, growth: 0 };
  let growth = 0;
  const take = (item: unknown) => {
    const cleaned = cleanValue(item, depth + 1);
    growth += cleaned.growth;
    return cleaned.value;
  };
  if (Array.isArray(value)) {
    const items = value.map(take);
    return { value: items, growth: growth + separatorGrowth(items.length, false) };
  }
  const kept = Object.entries(value as Record<string, unknown>).filter(
    ([, item]) => item !== undefined && typeof item !== 'function',
  );
  const object = Object.fromEntries(kept.map(([key, item]) => [cleanString(key), take(item)]));
  return { value: object, growth: growth + separatorGrowth(Object.keys(object).length, true) };
}

/** storedBytes is the UTF-8 size of a value's jsonb text in PostgreSQL (see Cleaned). */
function storedBytes(value: unknown): number {
  const cleaned = cleanValue(value, 0);
  return utf8Bytes(JSON.stringify(cleaned.value)) + cleaned.growth;
}

/**
 * headWithin is the longest prefix of `text` (whole characters) whose JSON string escape
 * (without the quotes) takes at most `budgetBytes` UTF-8 bytes.
 */
function headWithin(text: string, budgetBytes: number): string {
  let used = 0;
  let end = 0;
  for (const char of text) {
    const cost = utf8Bytes(JSON.stringify(char)) - 2;
    if (used + cost > budgetBytes) break;
    used += cost;
    end += char.length;
  }
  return text.slice(0, end);
}

/**
 * auditCartOf is what the audit stores of a refused cart (any JSON value; undefined → null): the
 * cleaned snapshot when its jsonb text (`octet_length(cart::text)`) fits `maxBytes` UTF-8 bytes,
 * else a TruncatedCart whose text does (`bytes`, `head` of the cleaned snapshot's compact JSON).
 * Never throws for any JSON.parse result, however deep.
 * @throws Error when `maxBytes` is not an integer in AUDIT_CART_MAX_BYTES_MIN–MAX (a bug).
 */
export function auditCartOf(cart: unknown, maxBytes: number): unknown {
  if (
    !Number.isInteger(maxBytes) ||
    maxBytes < AUDIT_CART_MAX_BYTES_MIN ||
    maxBytes > AUDIT_CART_MAX_BYTES_MAX
  )
    throw new Error(`audit cart limit ${maxBytes} is not 256–65536 bytes`);
  const cleaned = cleanValue(cart ?? null, 0);
  const text = JSON.stringify(cleaned.value);
  if (utf8Bytes(text) + cleaned.growth <= maxBytes) return cleaned.value;
  const empty: TruncatedCart = { truncated: true, bytes: utf8Bytes(text), head: '' };
  const head = headWithin(text, maxBytes - storedBytes(empty));
  return { ...empty, head } satisfies TruncatedCart;
}

/**
 * cleanAuditText applies cleanString to every string of a JSON-like value (the audit's other
 * columns: detail, reasons, user agent), so no NUL character reaches a text or jsonb column.
 * Values are copied; depth is not bounded (callers pass values built by the API itself).
 */
export function cleanAuditText<T>(value: T): T {
  if (typeof value === 'string') return cleanString(value) as T;
  if (Array.isArray(value)) return value.map(cleanAuditText) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [cleanString(key), cleanAuditText(item)]),
  ) as T;
}
