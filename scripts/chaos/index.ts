import { chaosOptions, longChaosOptions, runChaos } from '../../tools/chaos/harness';
import { formatReport } from '../../tools/chaos/report';
import { parseCliArgs, USAGE } from '../../tools/chaos/options';
import { exitWithUsage } from '../shared/cli';

/**
 * `npm run chaos -- [--duration 60s] [--faults kill,pg-fast,pg-immediate,temporal,db-pause]
 * [--seed N]` (issue 11): starts a throwaway stack (embedded PostgreSQL, a file-backed Temporal
 * dev server, the worker and the API as processes, a proxy before the API's database), runs the
 * bank, orders, bookings and approvals workloads over HTTP while SIGKILLing the worker and
 * restarting PostgreSQL and Temporal, then checks that every acknowledged write is there once,
 * no refused one left a trace, the ledger, stock, seats and nights hold, no workflow is stuck,
 * and the API answered 503 (never 500) while a dependency was down. Prints the faults and the
 * anomalies; exits 1 on any anomaly or failed fault, 2 on bad arguments.
 *
 * `npm run chaos -- --long [--long-scale 1] [--seed N]` (issue 17 item 8) runs the same
 * workloads through outages of minutes instead: PostgreSQL down 3 then 10 minutes, Temporal 2,
 * every worker 10 while a backlog of expiries falls due, and the API SIGKILLed mid-request;
 * 60 s after each one nothing may still be held past its time, and at the end every
 * Idempotency-Key the clients used answers its one definite outcome.
 */
async function main(): Promise<void> {
  const parsed = parseCliArgs(process.argv.slice(2));
  if (parsed.kind === 'help') {
    console.log(USAGE);
    return;
  }
  if (parsed.kind === 'error') exitWithUsage(USAGE, parsed.message);
  const { durationMs, faults, seed, long } = parsed.options;
  const options = long
    ? longChaosOptions({ scale: long.scale, seed })
    : chaosOptions({ durationMs, faults, seed, short: false });
  console.log(
    long
      ? `chaos --long: scale ${long.scale}, load about ${Math.round(options.durationMs / 60_000)} min, seed ${seed}`
      : `chaos: ${durationMs / 1000} s, faults ${faults.join(',')}, seed ${seed}`,
  );
  const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  const report = await runChaos(options, log);
  console.log(formatReport(report));
  const failedFaults = report.faults.filter((f) => f.error !== undefined).length;
  if (report.anomalies.length > 0 || failedFaults > 0) process.exit(1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
