import { startEphemeralStack } from '../tools/stack/local-stack';
import { connectStack } from '../tools/app';
import {
  describeViolation,
  FUZZ_CONFIG_OVERRIDES,
  runFuzz,
  type FuzzReport,
} from '../tools/fuzz/check';
import { seedFuzzWorld } from '../tools/fuzz/world';
import { exitWithUsage, parseCli } from './shared/cli';

/**
 * `npm run fuzz -- [--requests 10000] [--seed N]`: the full run of issue 11's fuzzer on a
 * throwaway stack (embedded PostgreSQL, Temporal dev server, in-process worker). It seeds a
 * small world, sends `--requests` requests generated from GET /openapi.json one at a time,
 * and checks each: no 5xx, every 4xx problem+json with a known code, no write on a refusal.
 * Prints the counts by route and by status and every violation with its request; exits 1 on
 * any violation. The same seed sends the same sequence of requests.
 */

/** REQUESTS_MAX bounds one run (a few minutes per 10,000). */
const REQUESTS_MAX = 1_000_000;

/** VIOLATIONS_MAX stops a run that finds this many violations (the first ones tell the story). */
const VIOLATIONS_MAX = 50;

/** USAGE is printed for --help, and on stderr with exit code 2 for a bad command line. */
const USAGE = `usage: npm run fuzz -- [--requests 10000] [--seed N]
  --requests  how many generated requests to send, 1-${REQUESTS_MAX} (default 10000)
  --seed      seed of the generator, a whole number (default: from the clock, printed); the
              same seed sends the same requests
Starts a throwaway stack, sends the requests one at a time and exits 1 on any violation.`;

/** parseFuzzArgs reads the command line; see USAGE. Exits 0 for --help and 2 when it is bad. */
function parseFuzzArgs(): { requests: number; seed: number } {
  const { values } = parseCli(USAGE, {
    options: {
      requests: { type: 'string', default: '10000' },
      seed: { type: 'string', default: String(Date.now() % 2 ** 31) },
    },
  });
  const requests = Number(values.requests);
  const seed = Number(values.seed);
  if (!Number.isInteger(requests) || requests < 1 || requests > REQUESTS_MAX)
    exitWithUsage(USAGE, `--requests must be a whole number in 1…${REQUESTS_MAX}`);
  if (!Number.isInteger(seed)) exitWithUsage(USAGE, '--seed must be a whole number');
  return { requests, seed };
}

async function main(): Promise<void> {
  const { requests, seed } = parseFuzzArgs();
  console.log(`fuzz: seed ${seed}, ${requests} requests; starting a throwaway stack…`);
  const ephemeral = await startEphemeralStack({ taskQueue: 'holdfast-fuzz' });
  const { stack, close } = await connectStack(ephemeral, FUZZ_CONFIG_OVERRIDES);
  try {
    const world = await seedFuzzWorld(stack);
    const report = await runFuzz({
      stack,
      world,
      seed,
      requests,
      violationsMax: VIOLATIONS_MAX,
      onProgress: (done, partial) => {
        if (done % 1_000 === 0)
          console.log(`  ${done} requests, ${partial.violations.length} violations`);
      },
    });
    printReport(report);
    process.exitCode = report.violations.length === 0 ? 0 : 1;
  } finally {
    await close();
    await ephemeral.stop();
  }
}

/** printReport prints the counts by route and status, by status, by code, then violations. */
function printReport(report: FuzzReport): void {
  const statuses = [...report.byStatus.keys()].sort((a, b) => a - b);
  console.log(`\n${'route'.padEnd(44)} ${statuses.map((s) => String(s).padStart(5)).join(' ')}`);
  for (const [route, counts] of [...report.byRoute].sort(([a], [b]) => a.localeCompare(b))) {
    const cells = statuses.map((s) => String(counts.get(s) ?? '').padStart(5));
    console.log(`${route.padEnd(44)} ${cells.join(' ')}`);
  }
  const byStatus = statuses.map((s) => `${s}: ${report.byStatus.get(s)}`).join(', ');
  const byCode = [...report.byCode]
    .sort(([, a], [, b]) => b - a)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  console.log(`\nby status: ${byStatus}`);
  console.log(`by code: ${byCode}`);
  console.log(
    `\n${report.requests} requests over ${report.byRoute.size} routes in ${(report.durationMs / 1000).toFixed(1)} s ` +
      `(seed ${report.seed}): ${report.violations.length} violations`,
  );
  for (const violation of report.violations) console.log(describeViolation(report.seed, violation));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
