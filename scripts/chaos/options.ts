import { parseArgs } from 'node:util';
import { parseDurationMs } from '../../domain/duration';
import { FAULT_KINDS, type FaultKind } from '../../test/helpers/chaos/fault-log';

/** USAGE is printed for --help and with every argument error. */
export const USAGE = `usage: npm run chaos -- [--duration 60s] [--faults ${FAULT_KINDS.join(',')}] [--seed N]

  --duration  how long the workloads run while faults are injected (a duration: 90s, 2m; 10s–30m)
  --faults    which faults to inject, comma-separated; the dependency faults take turns in this
              order (kill runs beside them): ${FAULT_KINDS.join(', ')}
  --seed      seed of the workloads' random choices (a whole number; default: random, printed)`;

/** DURATION_MIN_MS and DURATION_MAX_MS bound --duration. */
const DURATION_MIN_MS = 10_000;
const DURATION_MAX_MS = 30 * 60_000;

/** CliOptions are the parsed command line. */
export interface CliOptions {
  durationMs: number;
  faults: FaultKind[];
  seed: number;
}

/** ParsedArgs is the command line parsed: options, a help request, or an error message. */
export type ParsedArgs =
  { kind: 'options'; options: CliOptions } | { kind: 'help' } | { kind: 'error'; message: string };

/** parseCliArgs parses `npm run chaos` arguments (`argv` without node and the script). */
export function parseCliArgs(argv: string[]): ParsedArgs {
  let values: { duration?: string; faults?: string; seed?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        duration: { type: 'string' },
        faults: { type: 'string' },
        seed: { type: 'string' },
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
  return { kind: 'options', options: { durationMs, faults: faults as FaultKind[], seed } };
}
