import type { CartView } from '../domain/carts';
import { DomainError } from '../domain/errors';
import type { Db } from './connection';
import { execute, pgCode, query } from './transaction';

/** getCart reads a customer's cart, items ordered by product ID. */
export async function getCart(db: Db, customerId: string): Promise<CartView> {
  const rows = await query<{ product_id: string; quantity: number }>(
    db,
    'SELECT product_id, quantity FROM cart_items WHERE customer_id = $1 ORDER BY product_id',
    [customerId],
  );
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
