import type { CartView } from '../domain/carts';
import { DomainError } from '../domain/errors';
import type { Db } from './connection';
import { execute, pgCode, query } from './transaction';

/**
 * VISIBLE_CART_ITEMS_SQL selects a customer's ($1) cart lines whose product belongs to an
 * approved seller, ordered by product ID. SPEC.md §2 makes a non-approved seller's products
 * invisible everywhere, so their lines are left out of every read of the cart (and so out of
 * `{fromCart:true}`), in SQL; they stay stored and return if the seller is approved again.
 */
export const VISIBLE_CART_ITEMS_SQL = `SELECT c.product_id, c.quantity
   FROM cart_items c
   JOIN products p ON p.id = c.product_id
   JOIN sellers s ON s.id = p.seller_id
   WHERE c.customer_id = $1 AND s.approval_status = 'approved'
   ORDER BY c.product_id`;

/**
 * getCart reads a customer's cart `{items:[{productId, quantity}]}`, items ordered by product
 * ID, leaving out lines of products whose seller is not approved (VISIBLE_CART_ITEMS_SQL).
 */
export async function getCart(db: Db, customerId: string): Promise<CartView> {
  const rows = await query<{ product_id: string; quantity: number }>(db, VISIBLE_CART_ITEMS_SQL, [
    customerId,
  ]);
  return { items: rows.map((r) => ({ productId: r.product_id, quantity: r.quantity })) };
}

/**
 * addCartItem adds `quantity` to the cart line in one upsert (`quantity = quantity + n`), so
 * concurrent adds never lose an increment (SPEC.md §3: 20 concurrent +1 → 20).
 * @throws DomainError `validation_failed` (422) when the line would pass 10000 units (the CHECK
 *   on `cart_items.quantity`).
 */
export async function addCartItem(
  db: Db,
  input: { customerId: string; productId: string; quantity: number },
): Promise<CartView> {
  try {
    await execute(
      db,
      `INSERT INTO cart_items (customer_id, product_id, quantity) VALUES ($1, $2, $3)
       ON CONFLICT (customer_id, product_id)
       DO UPDATE SET quantity = cart_items.quantity + EXCLUDED.quantity, updated_at = now()`,
      [input.customerId, input.productId, input.quantity],
    );
  } catch (err) {
    if (pgCode(err) !== '23514') throw err;
    throw new DomainError('validation_failed', 'A cart line holds at most 10000 units', {
      errors: [{ path: 'quantity', message: 'the line would exceed 10000 units' }],
    });
  }
  return getCart(db, input.customerId);
}

/** setCartItem sets a line's quantity; 0 removes the line. */
export async function setCartItem(
  db: Db,
  input: { customerId: string; productId: string; quantity: number },
): Promise<CartView> {
  if (input.quantity === 0) {
    await execute(db, 'DELETE FROM cart_items WHERE customer_id = $1 AND product_id = $2', [
      input.customerId,
      input.productId,
    ]);
  } else {
    await execute(
      db,
      `INSERT INTO cart_items (customer_id, product_id, quantity) VALUES ($1, $2, $3)
       ON CONFLICT (customer_id, product_id) DO UPDATE SET quantity = EXCLUDED.quantity, updated_at = now()`,
      [input.customerId, input.productId, input.quantity],
    );
  }
  return getCart(db, input.customerId);
}
