/*
 * Keyset paging of the newest-first lists (orders, bookings, payment requests, order
 * failures; SPEC.md §1 `{items, nextCursor}`). Their `created_at` is stored to the millisecond
 * (db/migrations/0009_read_paths.ts), the precision of the cursor's ISO-8601 instant, so the
 * cursor names a row's exact position and the list orders by the column itself: the
 * (created_at, id) index (or its customer/status-prefixed variant) serves the order and the
 * `<` comparison, and a page reads `limit` index entries instead of sorting the table.
 */

/** CreatedAtPosition is the last item of a newest-first page: its `createdAt` (ISO, ms) and id. */
export interface CreatedAtPosition {
  createdAt: string;
  id: string;
}

/**
 * beforePosition adds to `where` the keyset condition "strictly after `after` in newest-first
 * order" on table alias `alias`, binding its two values onto `bind` (positional `$n`).
 */
export function beforePosition(
  alias: string,
  after: CreatedAtPosition,
  where: string[],
  bind: unknown[],
): void {
  bind.push(after.createdAt, after.id);
  where.push(
    `(${alias}.created_at, ${alias}.id) < ($${bind.length - 1}::timestamptz, $${bind.length}::uuid)`,
  );
}

/** newestFirst is the ORDER BY of a newest-first list on table alias `alias`, ties by id. */
export function newestFirst(alias: string): string {
  return `ORDER BY ${alias}.created_at DESC, ${alias}.id DESC`;
}
