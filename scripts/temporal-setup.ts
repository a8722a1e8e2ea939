import { loadConfig } from '../config';
import { parseDurationMs } from '../domain/duration';
import { ensureSchedules, schedulesInputOf } from '../lib/schedules';
import { DEFAULT_RETENTION, ensureTemporalSetup } from '../tools/stack/temporal-setup';
import { parseCli } from './shared/cli';

/** USAGE is printed for --help, and on stderr with exit code 2 for any argument: it takes none. */
const USAGE = `usage: npm run temporal:setup
Registers TEMPORAL_NAMESPACE (retention TEMPORAL_NAMESPACE_RETENTION, default 72h) and the
search attributes at TEMPORAL_ADDRESS, then creates or updates the Schedules.`;

/**
 * `npm run temporal:setup`: registers TEMPORAL_NAMESPACE (retention
 * TEMPORAL_NAMESPACE_RETENTION, default 72h) and the custom search attributes of
 * domain/search-attributes.ts on the server at TEMPORAL_ADDRESS (tools/stack/temporal-setup.ts), then
 * creates or updates the Schedules (lib/schedules.ts: the daily order_failures cleanup keeping
 * ORDER_FAILURE_RETENTION_DAYS and the hourly idempotency_keys retention, on
 * TEMPORAL_TASK_QUEUE). docker-compose.yml runs it as
 * the one-shot `temporal-setup` service. Exits 1 on a failure.
 */
async function main(): Promise<void> {
  parseCli(USAGE, {});
  const config = loadConfig();
  const log = (line: string) => console.log(`temporal-setup: ${line}`);
  const retention = process.env.TEMPORAL_NAMESPACE_RETENTION ?? DEFAULT_RETENTION;
  const retentionMs = parseDurationMs(retention);
  if (retentionMs === undefined) {
    throw new Error(`TEMPORAL_NAMESPACE_RETENTION: "${retention}" is not a duration like 72h`);
  }
  await ensureTemporalSetup({
    address: config.temporalAddress,
    namespace: config.temporalNamespace,
    retentionMs,
    log,
  });
  await ensureSchedules(schedulesInputOf(config, log));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
