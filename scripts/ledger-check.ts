import { checkLedger } from '../db/ledger-check';
import { loadConfig } from '../config';
import { createDb } from '../db/connection';
import { parseCli } from './shared/cli';

/** USAGE is printed for --help, and on stderr with exit code 2 for any argument: it takes none. */
const USAGE = `usage: npm run ledger:check
Checks the ledger of DATABASE_URL (balances sum to zero, each balance equals its entries, no
forbidden negative, no transfer twice, holds match pending debits); exits 1 on a violation.`;

/**
 * `npm run ledger:check`: verifies the ledger of DATABASE_URL (balances sum to zero, every
 * balance equals its entries, no forbidden negative, no transfer twice, holds match pending
 * debits), prints each check, and exits 1 on any violation.
 */
async function main(): Promise<void> {
  parseCli(USAGE, {});
  const config = loadConfig();
  // One connection, and a statement timeout long enough for the checks' full-table scans.
  const db = createDb(
    { ...config, dbPoolMax: 1, dbStatementTimeoutMs: 60_000, readStatementTimeoutMs: 60_000 },
    'ledger:check (npm run dev prints it)',
  );
  try {
    const report = await checkLedger(db);
    console.log(
      `ledger: ${report.counts.accounts} accounts, ${report.counts.transfers} transfers, ${report.counts.entries} entries`,
    );
    for (const check of report.checks) {
      console.log(`${check.ok ? 'ok  ' : 'FAIL'}  ${check.name}`);
      for (const row of check.violations) console.log(`        ${JSON.stringify(row)}`);
    }
    console.log(report.ok ? 'ledger:check passed' : 'ledger:check FAILED');
    process.exitCode = report.ok ? 0 : 1;
  } finally {
    await db.sequelize.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
