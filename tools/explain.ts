import { QueryTypes } from 'sequelize';
import type { Db } from '../db/connection';

/** PlanNode is one node of `EXPLAIN (FORMAT JSON)` output, with its children under `Plans`. */
export interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
  [key: string]: unknown;
}

/** CapturedStatement is one statement a db/ function sent: its SQL text and bind values. */
export interface CapturedStatement {
  sql: string;
  bind: unknown[];
}

/**
 * capturingDb is `db` as seen by a db/ function, recording every statement it sends (and
 * sending it unchanged to the real database), so a test or script can EXPLAIN the exact SQL
 * a read builds rather than a copy of it.
 */
function capturingDb(db: Db, captured: CapturedStatement[]): Db {
  const sequelize = new Proxy(db.sequelize, {
    get(target, property) {
      if (property !== 'query') return Reflect.get(target, property, target);
      return (sql: string, options: { bind?: unknown[] } = {}) => {
        captured.push({ sql, bind: options.bind ?? [] });
        return target.query(sql, options as never);
      };
    },
  });
  return { ...db, sequelize };
}

/**
 * lastStatementOf runs `read` against `db` and returns the last statement it sent.
 * @throws Error when `read` sent none.
 */
export async function lastStatementOf(
  db: Db,
  read: (db: Db) => Promise<unknown>,
): Promise<CapturedStatement> {
  const captured: CapturedStatement[] = [];
  await read(capturingDb(db, captured));
  const statement = captured.at(-1);
  if (!statement) throw new Error('the read sent no statement to EXPLAIN');
  return statement;
}

/**
 * explainOf runs `read` against `db`, then EXPLAINs (FORMAT JSON, no ANALYZE) the last
 * statement it sent, with the same bind values, in a transaction with the planner `settings`
 * given (`{enable_seqscan: 'off'}`, say), and returns the root plan node.
 * @throws Error when `read` sent no statement.
 */
export async function explainOf(
  db: Db,
  read: (db: Db) => Promise<unknown>,
  settings: Record<string, string> = {},
): Promise<PlanNode> {
  const statement = await lastStatementOf(db, read);
  return db.sequelize.transaction(async (transaction) => {
    for (const [name, value] of Object.entries(settings)) {
      await db.sequelize.query(`SELECT set_config($1, $2, true)`, {
        bind: [name, value],
        transaction,
      });
    }
    const [row] = await db.sequelize.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON) ${statement.sql}`,
      { bind: statement.bind, transaction, type: QueryTypes.SELECT },
    );
    return row!['QUERY PLAN'][0].Plan;
  });
}

/** planNodes lists `root` and every node below it, depth first. */
export function planNodes(root: PlanNode): PlanNode[] {
  return [root, ...(root.Plans ?? []).flatMap(planNodes)];
}
