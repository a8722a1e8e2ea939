import { parseArgs } from 'node:util';
import { parseDurationMs } from '../../domain/duration';
import { FAULT_KINDS, type FaultKind } from './fault-log';

/** USAGE is printed for --help and with every argument error. */
export const USAGE = `usage: npm run chaos -- [--duration 60s] [--faults ${FAULT_KINDS.join(',')}] [--seed N]
       npm run chaos -- --long [--long-scale 1] [--seed N]

  --duration    how long the workloads run while faults are injected (a duration: 90s, 2m; 10s–30m)
  --faults      which faults to inject, comma-separated; the dependency faults take turns in this
                order (kill runs beside them): ${FAULT_KINDS.join(', ')}
  --seed        seed of the workloads' random choices (a whole number; default: random, printed)
  --long        the long faults instead (issue 17 item 8), one after another: PostgreSQL down
                3 min, then 10 min, Temporal down 2 min, every worker down 10 min while a backlog
                of expiries falls due, the API SIGKILLed mid-request and restarted (about 32 min)
  --long-scale  multiplies every long downtime (0.01–1; default 1, the real durations; 0.1 for a
                quick local try); the 60 s release window and the gaps stay as they are`;

/** DURATION_MIN_MS and DURATION_MAX_MS bound --duration. */
const DURATION_MIN_MS = 10_000;
const DURATION_MAX_MS = 30 * 60_000;

/** LONG_SCALE_MIN and LONG_SCALE_MAX bound --long-scale. */
const LONG_SCALE_MIN = 0.01;
const LONG_SCALE_MAX = 1;

/** CliOptions are the parsed command line. */
export interface CliOptions {
  durationMs: number;
  faults: FaultKind[];
  seed: number;
  /** long is set for `--long`: the factor of every long downtime (--long-scale, default 1). */
  long?: { scale: number };
}

/** ParsedArgs is the command line parsed: options, a help request, or an error message. */
export type ParsedArgs =
  { kind: 'options'; options: CliOptions } | { kind: 'help' } | { kind: 'error'; message: string };

/** RawArgs are the flags as node:util's parseArgs returns them. */
interface RawArgs {
  duration?: string;
  faults?: string;
  seed?: string;
  long?: boolean;
  'long-scale'?: string;
  help?: boolean;
}

/** parseCliArgs parses `npm run chaos` arguments (`argv` without node and the script). */
export function parseCliArgs(argv: string[]): ParsedArgs {
  let values: RawArgs;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        duration: { type: 'string' },
        faults: { type: 'string' },
        seed: { type: 'string' },
        long: { type: 'boolean' },
        'long-scale': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  }
  if (values.help) return { kind: 'help' };
  const durationMs = parseDurationMs(values.duration ?? '60s');
  if (durationMs === undefined || durationMs < DURATION_MIN_MS || durationMs > DURATION_MAX_MS)
    return { kind: 'error', message: `--duration ${values.duration}: give 10s to 30m` };
  const faults = (values.faults ?? FAULT_KINDS.join(',')).split(',').map((f) => f.trim());
  const unknown = faults.filter((f) => !(FAULT_KINDS as readonly string[]).includes(f));
  if (unknown.length > 0 || faults.length === 0 || new Set(faults).size !== faults.length)
    return { kind: 'error', message: `--faults ${values.faults}: unknown or repeated fault` };
  const seed =
    values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
  if (!/^\d{1,10}$/.test(values.seed ?? '0') || !Number.isSafeInteger(seed))
    return { kind: 'error', message: `--seed ${values.seed}: give a whole number` };
  const long = parseLong(values);
  if (typeof long === 'string') return { kind: 'error', message: long };
  const options: CliOptions = { durationMs, faults: faults as FaultKind[], seed };
  return { kind: 'options', options: long ? { ...options, long } : options };
}

/**
 * parseLong reads --long and --long-scale: undefined without --long, its scale with it, or an
 * error message (--long-scale without --long, a scale out of range, --duration or --faults
 * beside --long, whose faults and length are its own).
 */
function parseLong(values: RawArgs): { scale: number } | undefined | string {
  const scaleText = values['long-scale'];
  if (!values.long)
    return scaleText === undefined ? undefined : '--long-scale: give it with --long';
  if (values.duration !== undefined || values.faults !== undefined)
    return '--long: its faults and length are its own; leave out --duration and --faults';
  if (scaleText === undefined) return { scale: 1 };
  const scale = /^\d*\.?\d+$/.test(scaleText) ? Number(scaleText) : Number.NaN;
  if (!(scale >= LONG_SCALE_MIN && scale <= LONG_SCALE_MAX))
    return `--long-scale ${scaleText}: give a number from ${LONG_SCALE_MIN} to ${LONG_SCALE_MAX}`;
  return { scale };
}
