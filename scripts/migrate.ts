import { loadConfig } from '../config';
import { createDb } from '../db/connection';
import { migrate } from '../db/migrate';
import { parseCli } from './shared/cli';

/** USAGE is printed for --help, and on stderr with exit code 2 for any argument: it takes none. */
const USAGE = `usage: npm run migrate
Applies the pending migrations to DATABASE_URL and prints their names.`;

/** `npm run migrate`: applies pending migrations to DATABASE_URL and prints their names. */
async function main(): Promise<void> {
  parseCli(USAGE, {});
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
