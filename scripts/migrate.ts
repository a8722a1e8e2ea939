import { loadConfig } from '../config';
import { createDb } from '../db/connection';
import { migrate } from '../db/migrate';

/** `npm run migrate`: applies pending migrations to DATABASE_URL and prints their names. */
async function main(): Promise<void> {
  const config = loadConfig();
  // Migrations rewrite and index whole tables: no READ_STATEMENT_TIMEOUT for them.
  const db = createDb({ ...config, dbPoolMax: 2, readStatementTimeoutMs: 0 }, 'npm run migrate');
  const applied = await migrate(db.sequelize);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is current');
  await db.sequelize.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
