import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../config';
import { createDb } from '../../db/connection';
import { migrate } from '../../db/migrate';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** runLedgerCheck runs `npm run ledger:check`'s script against `databaseUrl`. */
async function runLedgerCheck(databaseUrl: string): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await promisify(execFile)(
      path.join(ROOT, 'node_modules', '.bin', 'tsx'),
      ['scripts/ledger-check.ts'],
      {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: databaseUrl },
      },
    );
    return { code: 0, stdout };
  } catch (err) {
    const failed = err as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

describe('npm run ledger:check', () => {
  it('when the ledger is consistent it passes; when a balance, an entry or a negative is off it names the check and exits 1', async () => {
    // A database of its own: corrupting the shared one would fail the other tests' checks.
    const name = `ledger_check_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const adminUrl = inject('stack').databaseUrl;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const db = createDb(loadConfig({ DATABASE_URL: url.toString(), DB_POOL_MAX: '2' }));
    await migrate(db.sequelize);
    const [external, wallet, other] = [randomUUID(), randomUUID(), randomUUID()];
    await db.sequelize.query(
      `INSERT INTO accounts (id, owner_id, kind, currency, allow_negative, balance_minor) VALUES
         ('${external}', NULL, 'external', 'EUR', true, -500), ('${wallet}', '${randomUUID()}', 'wallet', 'EUR', false, 500),
         ('${other}', '${randomUUID()}', 'wallet', 'EUR', false, 0);
       INSERT INTO ledger_transfers (id, kind, debit_account_id, credit_account_id, amount_minor, currency, status, posted_at)
         VALUES ('t1', 'deposit', '${external}', '${wallet}', 500, 'EUR', 'posted', now());
       INSERT INTO ledger_entries (transfer_id, account_id, amount_minor, balance_after_minor)
         VALUES ('t1', '${external}', -500, -500), ('t1', '${wallet}', 500, 500);`,
    );

    const consistent = await runLedgerCheck(url.toString());

    expect(consistent.code).toBe(0);
    expect(consistent.stdout).toContain('ledger:check passed');
    expect(consistent.stdout).toContain('3 accounts, 1 transfers, 2 entries');

    // A balance moved without a transfer: the sum is off and a balance no longer matches its entries.
    await db.sequelize.query(`UPDATE accounts SET balance_minor = 70 WHERE id = '${other}'`);
    const broken = await runLedgerCheck(url.toString());

    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('FAIL  all balances sum to zero');
    expect(broken.stdout).toContain('FAIL  every balance equals the sum of its entries');
    expect(broken.stdout).toContain(other);
    expect(broken.stdout).toContain('ledger:check FAILED');
    await db.sequelize.close();
  }, 60_000);
});
