import { parseDurationMs } from '../../domain/duration';
import { exitWithUsage, parseCli } from '../shared/cli';

/**
 * SCENARIO_NAMES are the bench's scenarios, in the order they run (BURST_SCENARIOS once, after
 * the timed runs at every connection count).
 */
export const SCENARIO_NAMES = [
  'baseline-hot',
  'baseline-spread',
  'ceiling',
  'orders-hot',
  'orders-spread',
  'orders-spread-webhook',
  'orders-cold',
  'ceiling-drop',
  'drop',
  'flash-sale',
  'orders-duplicates',
  'transfers',
  'bookings',
  'orders-lifecycle',
] as const;

/** ScenarioName is one of SCENARIO_NAMES. */
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/**
 * BURST_SCENARIOS send a fixed number of requests at one instant (burst.ts) instead of a timed
 * load: measured once, with no warm-up and no half-peak run.
 */
export const BURST_SCENARIOS: readonly ScenarioName[] = ['ceiling-drop', 'drop'];

/** UNPACED_SCENARIOS have no half-peak run: a lifecycle is several requests, not one rate. */
const UNPACED_SCENARIOS: readonly ScenarioName[] = [...BURST_SCENARIOS, 'orders-lifecycle'];

/** PERSISTENCE_MODES are the Temporal persistences the bench can run against. */
export const PERSISTENCE_MODES = ['sqlite', 'postgres'] as const;

/** Persistence is one of PERSISTENCE_MODES. */
export type Persistence = (typeof PERSISTENCE_MODES)[number];

/** CONNECTIONS_MAX bounds `--connections` (each is one keep-alive HTTP connection). */
const CONNECTIONS_MAX = 1024;

/** BenchOptions are the parsed command line. */
export interface BenchOptions {
  /** durationMs is the length of one measured run (one scenario at one connection count). */
  durationMs: number;
  /** warmupMs is an unmeasured run of every scenario before the measured ones (0: none). */
  warmupMs: number;
  connections: number[];
  scenarios: ScenarioName[];
  persistence: Persistence[];
  /**
   * halfPeak are the scenarios measured once more after the others, at the largest connection
   * count with the offered load capped at half their peak ok/s: the latency of a server that
   * is busy but not saturated (issue 7: p99 at half the peak load).
   */
  halfPeak: ScenarioName[];
  /** outDir receives bench-<timestamp>.json and .md. */
  outDir: string;
}

/** USAGE is printed for --help, and on stderr with exit code 2 for a bad command line. */
const USAGE = `usage: npm run bench -- [options]
  --duration 10s              length of each measured run
  --warmup 1s                 unmeasured run of each scenario first (0 for none)
  --connections 1,8,64        concurrent HTTP connections per run
  --scenarios a,b             subset of ${SCENARIO_NAMES.join(', ')}
                              (orders-spread-webhook: orders-spread while one webhook endpoint
                              for every event type delivers to a receiver in the bench; the
                              other scenarios run with that endpoint disabled;
                              orders-cold: orders-spread with a new customer per order;
                              drop: one burst of 240 first-time buyers at once, run once,
                              not at each connection count;
                              ceiling-drop: the same burst of no-op Update-with-Starts,
                              the floor a drop's p50 can reach on this stack;
                              orders-lifecycle: each connection places an order with a 10 s
                              payment TTL, then pays, cancels or lets it expire, in turn;
                              reports lifecycles/s and Temporal requests per lifecycle;
                              no half-peak run)
  --persistence sqlite        Temporal persistence modes, comma-separated (${PERSISTENCE_MODES.join(', ')})
  --half-peak ceiling,orders-spread
                              scenarios run again at half their peak rate (none for no such run)
  --out bench-results         output folder`;

/** listOf splits a comma-separated option and checks every item against `allowed`. */
function listOf<T extends string>(value: string, allowed: readonly T[], option: string): T[] {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  const bad = items.filter((item) => !allowed.includes(item as T));
  if (items.length === 0 || bad.length > 0)
    exitWithUsage(USAGE, `--${option}: unknown ${bad.join(', ') || '(empty)'}`);
  return [...new Set(items)] as T[];
}

/** durationOption parses a duration string (`10s`, `500ms`); `0` is allowed when `zeroOk`. */
function durationOption(value: string, option: string, zeroOk: boolean): number {
  if (zeroOk && value.trim() === '0') return 0;
  const durationMs = parseDurationMs(value);
  if (durationMs === undefined || durationMs > 3_600_000)
    exitWithUsage(USAGE, `--${option}: "${value}" is not a duration like 10s (at most 1h)`);
  return durationMs;
}

/**
 * parseBenchOptions reads `argv` (without node and the script). `--help` prints the usage and
 * exits 0; a bad option prints one error line and the usage on stderr and exits 2.
 */
export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseCli(USAGE, {
    args: argv,
    options: {
      duration: { type: 'string', default: '10s' },
      warmup: { type: 'string', default: '1s' },
      connections: { type: 'string', default: '1,8,64' },
      scenarios: { type: 'string', default: SCENARIO_NAMES.join(',') },
      persistence: { type: 'string', default: 'sqlite' },
      'half-peak': { type: 'string', default: 'ceiling,orders-spread' },
      out: { type: 'string', default: 'bench-results' },
    },
  });
  const connections = values.connections.split(',').map((item) => Number(item.trim()));
  if (connections.some((n) => !Number.isInteger(n) || n < 1 || n > CONNECTIONS_MAX))
    exitWithUsage(USAGE, `--connections: whole numbers from 1 to ${CONNECTIONS_MAX}`);
  const scenarios = listOf(values.scenarios, SCENARIO_NAMES, 'scenarios');
  return {
    durationMs: durationOption(values.duration, 'duration', false),
    warmupMs: durationOption(values.warmup, 'warmup', true),
    connections: [...new Set(connections)],
    // Scenarios always run in SCENARIO_NAMES order, whatever order they were named in.
    scenarios: SCENARIO_NAMES.filter((name) => scenarios.includes(name)),
    persistence: listOf(values.persistence, PERSISTENCE_MODES, 'persistence'),
    halfPeak:
      values['half-peak'].trim() === 'none'
        ? []
        : listOf(values['half-peak'], SCENARIO_NAMES, 'half-peak').filter(
            (name) => scenarios.includes(name) && !UNPACED_SCENARIOS.includes(name),
          ),
    outDir: values.out,
  };
}
