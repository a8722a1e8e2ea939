import { DomainError } from '../domain/errors';
import {
  STOCK_MAX,
  type ProductSummary,
  type ProductView,
  type SellerKind,
  type SellerView,
  type StockView,
} from '../domain/catalog';
import { toSafeInt, type Db } from './connection';
import type { Seller } from './models';
import { execute, pgCode, query } from './transaction';

/*
 * Catalog writes are single atomic statements with nothing durable to orchestrate, so the API
 * calls them directly rather than through a workflow; money and stock reservations never are.
 */

interface ProductRow {
  id: string;
  seller_id: string;
  sku: string;
  name: string;
  category: string | null;
  price_minor: string;
  currency: string;
  stock_on_hand: number;
  reserved: number;
  created_at: Date;
}

/** toSellerView maps a Seller model to the API shape (plain object, ISO-8601 times). */
function toSellerView(seller: Seller): SellerView {
  return {
    id: seller.id,
    name: seller.name,
    kind: seller.kind,
    approvalStatus: seller.approvalStatus,
    approvedAt: seller.approvedAt?.toISOString() ?? null,
    suspendedAt: seller.suspendedAt?.toISOString() ?? null,
    createdAt: seller.createdAt.toISOString(),
  };
}

function toProductView(row: ProductRow): ProductView {
  return {
    id: row.id,
    sellerId: row.seller_id,
    sku: row.sku,
    name: row.name,
    category: row.category,
    priceMinor: toSafeInt(row.price_minor),
    currency: row.currency,
    stockOnHand: row.stock_on_hand,
    reserved: row.reserved,
    available: row.stock_on_hand - row.reserved,
    createdAt: row.created_at.toISOString(),
  };
}

/** createSeller inserts a `pending` seller, or returns the one with this ID (a retry). */
export async function createSeller(
  db: Db,
  input: { id: string; name: string; kind: SellerKind },
): Promise<SellerView> {
  const [seller] = await db.models.Seller.findOrCreate({
    where: { id: input.id },
    defaults: input,
  });
  return toSellerView(seller);
}

/** findSeller reads one seller by ID, or undefined. */
export async function findSeller(db: Db, sellerId: string): Promise<SellerView | undefined> {
  const seller = await db.models.Seller.findByPk(sellerId);
  return seller ? toSellerView(seller) : undefined;
}

/**
 * setSellerApproval approves or suspends a seller, stamping `approvedAt` / `suspendedAt`.
 * @throws DomainError `not_found` (404).
 */
export async function setSellerApproval(
  db: Db,
  input: { sellerId: string; status: 'approved' | 'suspended' },
): Promise<SellerView> {
  const stamp =
    input.status === 'approved' ? { approvedAt: new Date() } : { suspendedAt: new Date() };
  const [, sellers] = await db.models.Seller.update(
    { approvalStatus: input.status, ...stamp },
    { where: { id: input.sellerId }, returning: true },
  );
  if (!sellers[0]) throw new DomainError('not_found', `Seller ${input.sellerId} does not exist`);
  return toSellerView(sellers[0]);
}

/** CreateProductInput is a new product with its initial stock. */
export interface CreateProductInput {
  id: string;
  sellerId: string;
  sku: string;
  name: string;
  priceMinor: number;
  currency: string;
  stock: number;
  category?: string;
}

/**
 * createProduct inserts a product and its `initial` stock movement in one statement.
 * @throws DomainError `sku_taken` (409) when the seller already has this SKU,
 *   `validation_failed` (422) when the seller does not exist.
 */
export async function createProduct(db: Db, input: CreateProductInput): Promise<ProductView> {
  const existing = await findProduct(db, input.id, { visibleOnly: false });
  if (existing) return existing;
  try {
    await execute(
      db,
      `WITH p AS (
         INSERT INTO products (id, seller_id, sku, name, category, price_minor, currency, stock_on_hand)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id, stock_on_hand)
       INSERT INTO stock_movements (product_id, reason, on_hand_delta, reserved_delta)
       SELECT id, 'initial', stock_on_hand, 0 FROM p WHERE stock_on_hand > 0`,
      [
        input.id,
        input.sellerId,
        input.sku,
        input.name,
        input.category ?? null,
        input.priceMinor,
        input.currency,
        input.stock,
      ],
    );
  } catch (err) {
    if (pgCode(err) === '23505')
      throw new DomainError('sku_taken', `SKU ${input.sku} is already taken by this seller`);
    if (pgCode(err) === '23503') {
      throw new DomainError('validation_failed', 'The seller does not exist', {
        errors: [{ path: 'sellerId', message: 'unknown seller' }],
      });
    }
    throw err;
  }
  return (await findProduct(db, input.id, { visibleOnly: false }))!;
}

/**
 * findProduct reads one product. With `visibleOnly` the SQL itself hides products of
 * sellers that are not approved (SPEC.md §2), so they read as absent.
 */
export async function findProduct(
  db: Db,
  productId: string,
  options: { visibleOnly: boolean },
): Promise<ProductView | undefined> {
  const rows = await query<ProductRow>(
    db,
    `SELECT p.* FROM products p JOIN sellers s ON s.id = p.seller_id
     WHERE p.id = $1 AND ($2::boolean IS FALSE OR s.approval_status = 'approved')`,
    [productId, options.visibleOnly],
  );
  return rows[0] ? toProductView(rows[0]) : undefined;
}

/** findVisibleProductIds returns which of `productIds` exist and belong to approved sellers. */
export async function findVisibleProductIds(db: Db, productIds: string[]): Promise<Set<string>> {
  const rows = await query<{ id: string }>(
    db,
    `SELECT p.id FROM products p JOIN sellers s ON s.id = p.seller_id
     WHERE p.id = ANY($1::uuid[]) AND s.approval_status = 'approved'`,
    [productIds],
  );
  return new Set(rows.map((r) => r.id));
}

/** SearchProductsInput filters visible products by text and category, one page at a time. */
export interface SearchProductsInput {
  q?: string;
  category?: string;
  limit: number;
  after?: { name: string; id: string };
}

/**
 * containsPattern is the ILIKE pattern "contains `text`": `%`, `_` and `\` in the text match
 * themselves (escaped with `\`, LIKE's default escape, which pg_trgm's index support honours).
 */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}

/**
 * TRIGRAM_QUERY_LENGTH_MIN is the shortest `q` the trigram indexes can narrow: pg_trgm splits
 * text into three-character pieces, and a shorter `q` has none.
 */
const TRIGRAM_QUERY_LENGTH_MIN = 3;

/**
 * searchProducts lists visible products (approved sellers, enforced in SQL) whose name or SKU
 * contains `q` (case-insensitive), by name then id, after the cursor. Each filter given is served
 * by an index (db/migrations/0009_read_paths.ts). A `q` of TRIGRAM_QUERY_LENGTH_MIN or more
 * collects its matches through the GIN trigram indexes first (a materialised CTE), so the work
 * grows with the matches, not the catalogue; a shorter `q` matches enough for the name walk.
 */
export async function searchProducts(
  db: Db,
  input: SearchProductsInput,
): Promise<ProductSummary[]> {
  const filters: string[] = [];
  const bind: unknown[] = [];
  if (input.q) {
    bind.push(containsPattern(input.q));
    filters.push(`(p.name ILIKE $${bind.length} OR p.sku ILIKE $${bind.length})`);
  }
  if (input.category !== undefined) {
    bind.push(input.category);
    filters.push(`p.category = $${bind.length}`);
  }
  if (input.after) {
    bind.push(input.after.name, input.after.id);
    filters.push(`(p.name, p.id) > ($${bind.length - 1}::text, $${bind.length}::uuid)`);
  }
  bind.push(input.limit);
  const byTrigrams = (input.q?.length ?? 0) >= TRIGRAM_QUERY_LENGTH_MIN;
  const matches = byTrigrams
    ? `WITH matches AS MATERIALIZED (SELECT * FROM products p WHERE ${filters.join(' AND ')}) `
    : '';
  const where = [`s.approval_status = 'approved'`, ...(byTrigrams ? [] : filters)];
  const rows = await query<ProductRow>(
    db,
    `${matches}SELECT p.* FROM ${byTrigrams ? 'matches' : 'products'} p
     JOIN sellers s ON s.id = p.seller_id
     WHERE ${where.join(' AND ')}
     ORDER BY p.name, p.id LIMIT $${bind.length}`,
    bind,
  );
  return rows.map((row) => {
    const { id, sku, name, priceMinor, currency, available, category } = toProductView(row);
    return { id, sku, name, priceMinor, currency, available, category };
  });
}

/**
 * restock adds `quantity` to stock on hand and writes a `restock` movement, atomically, unless
 * stock on hand would pass STOCK_MAX (its INTEGER column would overflow a little later: a 500).
 * @throws DomainError `not_found` (404), `validation_failed` (422) naming `quantity`.
 */
export async function restock(
  db: Db,
  input: { productId: string; quantity: number },
): Promise<StockView> {
  const rows = await execute<{ stock_on_hand: number; reserved: number }>(
    db,
    `WITH p AS (
       UPDATE products SET stock_on_hand = stock_on_hand + $2, updated_at = now()
       WHERE id = $1 AND stock_on_hand <= $3::integer - $2::integer
       RETURNING id, stock_on_hand, reserved),
     m AS (INSERT INTO stock_movements (product_id, reason, on_hand_delta, reserved_delta)
           SELECT id, 'restock', $2, 0 FROM p)
     SELECT stock_on_hand, reserved FROM p`,
    [input.productId, input.quantity, STOCK_MAX],
  );
  const row = rows[0];
  if (!row) throw await restockRefusal(db, input.productId);
  return {
    stockOnHand: row.stock_on_hand,
    reserved: row.reserved,
    available: row.stock_on_hand - row.reserved,
  };
}

/** restockRefusal says why a restock changed nothing: no such product, or too much stock. */
async function restockRefusal(db: Db, productId: string): Promise<DomainError> {
  const found = await query(db, 'SELECT 1 FROM products WHERE id = $1', [productId]);
  if (found.length === 0)
    return new DomainError('not_found', `Product ${productId} does not exist`);
  return new DomainError('validation_failed', 'The restock would pass the largest stock', {
    errors: [{ path: 'quantity', message: `stock on hand may be at most ${STOCK_MAX}` }],
  });
}
