import { loadConfig } from '../config';
import { createDb, type Db } from '../db/connection';
import {
  countOrderFailuresOlderThan,
  deleteOrderFailuresOlderThan,
  orderFailureCutoff,
  sampleOrderFailuresOlderThan,
} from '../db/order-failures';
import { countRetentionDue, purgeRetentionDue } from '../db/retention';
import { ORDER_FAILURES_DELETE_BATCH_SIZE, RETENTION_DAYS_MAX } from '../domain/order-failures';
import {
  isAgeRetentionTable,
  isRetentionTable,
  RETENTION_DELETE_BATCH_SIZE,
  RETENTION_TABLES,
  type RetentionTable,
} from '../domain/retention';
import { exitWithUsage, parseCli } from './shared/cli';

/** USAGE is printed for --help, and on stderr with exit code 2 for a bad or unknown argument. */
const USAGE = `usage: npm run cleanup -- [--days N] [--dry-run]
       npm run cleanup -- --table T [--days N] [--dry-run]
  --days N    delete order_failures rows older than N whole days, 1-${RETENTION_DAYS_MAX}
              (default: ORDER_FAILURE_RETENTION_DAYS, 90); with --table events or
              webhook_deliveries, their age instead (default: EVENT_RETENTION_DAYS, 30)
  --table T   apply the retention of T instead (${RETENTION_TABLES.join(', ')}), as its
              Schedule does: idempotency_keys past IDEMPOTENCY_KEY_TTL and settled, events
              and webhook_deliveries older than EVENT_RETENTION_DAYS
  --dry-run   print how many rows are due (and for order_failures a sample); delete nothing`;

/** SAMPLE_MAX bounds the rows a dry run prints. */
const SAMPLE_MAX = 5;

/**
 * BATCHES_MAX bounds the DELETE batches of one invocation (ORDER_FAILURES_DELETE_BATCH_SIZE
 * rows each: 100 million rows); when it is reached the script says so, and a second run goes on.
 */
const BATCHES_MAX = 100_000;

/**
 * CleanupArgs is a valid command line: the retention in days (unset: configured), the mode,
 * and the table of a generic retention (unset: order_failures).
 */
interface CleanupArgs {
  days: number | undefined;
  dryRun: boolean;
  table?: RetentionTable;
}

/**
 * parseCommandLine reads `argv` strictly; see USAGE. Exits 0 for --help, and 2 for an unknown
 * option, a bad --days or --table, or --days with a table not kept by age.
 */
function parseCommandLine(argv: string[]): CleanupArgs {
  const { values } = parseCli(USAGE, {
    args: argv,
    options: {
      days: { type: 'string' },
      'dry-run': { type: 'boolean' },
      table: { type: 'string' },
    },
  });
  const dryRun = values['dry-run'] === true;
  const days = values.days === undefined ? undefined : parseDays(values.days);
  if (values.table === undefined) return { days, dryRun };
  if (!isRetentionTable(values.table))
    exitWithUsage(USAGE, `--table ${values.table}: not one of ${RETENTION_TABLES.join(', ')}`);
  // idempotency_keys' own rule says which rows are due: --days is for tables kept by age.
  if (days !== undefined && !isAgeRetentionTable(values.table))
    exitWithUsage(USAGE, `--days does not apply to ${values.table}`);
  return { days, dryRun, table: values.table };
}

/** parseDays reads --days: a whole number 1–RETENTION_DAYS_MAX, else exits 2 with the usage. */
function parseDays(value: string): number {
  const days = Number(value);
  if (!/^\d{1,4}$/.test(value) || days < 1 || days > RETENTION_DAYS_MAX)
    exitWithUsage(USAGE, `--days ${value}: a whole number of days, 1-${RETENTION_DAYS_MAX}`);
  return days;
}

/** dryRun prints how many rows are older than `cutoff` and up to SAMPLE_MAX of them, oldest first. */
async function dryRun(db: Db, days: number, cutoff: Date): Promise<void> {
  const count = await countOrderFailuresOlderThan(db, cutoff);
  const sample = await sampleOrderFailuresOlderThan(db, { cutoff, limit: SAMPLE_MAX });
  console.log(
    `dry run: ${count} order_failures rows older than ${days} days ` +
      `(created before ${cutoff.toISOString()}) would be deleted; nothing was deleted`,
  );
  if (sample.length > 0)
    console.log(`sample (oldest ${sample.length}): id customerId code createdAt`);
  for (const row of sample) {
    console.log(`  ${row.id} ${row.customerId} ${row.code} ${row.createdAt}`);
  }
}

/**
 * purgeTable applies `table`'s retention by hand (db/retention.ts), as its Schedule does, in
 * batches of RETENTION_DELETE_BATCH_SIZE, and prints the count; a dry run prints the count only.
 * `olderThanDays` is the age of a due row of AGE_RETENTION_TABLES.
 */
async function purgeTable(
  db: Db,
  input: { table: RetentionTable; olderThanDays: number; dryRun: boolean },
): Promise<void> {
  const { table, olderThanDays } = input;
  const age = isAgeRetentionTable(table) ? ` (older than ${olderThanDays} days)` : '';
  if (input.dryRun) {
    const due = await countRetentionDue(db, table, olderThanDays);
    console.log(
      `dry run: ${due} ${table} rows are due${age} and would be deleted; nothing was deleted`,
    );
    return;
  }
  const batchSize = RETENTION_DELETE_BATCH_SIZE;
  const batchesMax = BATCHES_MAX;
  const deleted = await purgeRetentionDue(db, { table, batchSize, batchesMax, olderThanDays });
  console.log(`deleted ${deleted} ${table} rows past their retention${age}`);
  if (deleted === batchSize * BATCHES_MAX) console.log('more rows may be due: run it again');
}

/**
 * `npm run cleanup -- [--days N] [--dry-run]` applies the retention of the failed-attempt audit
 * by hand (SPEC.md §8 "Retention"), as the daily Schedule does: it deletes the order_failures
 * rows of DATABASE_URL older than N days (default ORDER_FAILURE_RETENTION_DAYS) in batches of
 * ORDER_FAILURES_DELETE_BATCH_SIZE, and prints the count. `--dry-run` prints the count and a
 * sample of up to five rows and deletes nothing. `--table T` applies the retention of another
 * table instead (purgeTable; `--days` or EVENT_RETENTION_DAYS for events and deliveries).
 * `--help` prints the usage; exit code 2 with the usage for a bad or unknown argument, 1 on a
 * failure.
 */
async function main(): Promise<void> {
  const args = parseCommandLine(process.argv.slice(2));
  const config = loadConfig();
  const db = createDb({ ...config, dbPoolMax: 1 }, 'cleanup');
  try {
    if (args.table) {
      const olderThanDays = args.days ?? config.eventRetentionDays;
      return await purgeTable(db, { table: args.table, olderThanDays, dryRun: args.dryRun });
    }
    const days = args.days ?? config.orderFailureRetentionDays;
    const cutoff = await orderFailureCutoff(db, days);
    if (args.dryRun) return await dryRun(db, days, cutoff);
    const batchSize = ORDER_FAILURES_DELETE_BATCH_SIZE;
    const deleted = await deleteOrderFailuresOlderThan(db, {
      cutoff,
      batchSize,
      batchesMax: BATCHES_MAX,
    });
    console.log(
      `deleted ${deleted} order_failures rows older than ${days} days ` +
        `(created before ${cutoff.toISOString()})`,
    );
    if (deleted === batchSize * BATCHES_MAX) console.log('more rows may be due: run it again');
  } finally {
    await db.sequelize.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
