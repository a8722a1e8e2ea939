import { parseArgs, type ParseArgsConfig } from 'node:util';

/** EXIT_USAGE is the exit code of a command line that is not understood (as the shell's builtins). */
export const EXIT_USAGE = 2;

/**
 * exitWithUsage prints `error: <message>` and the usage on stderr and exits EXIT_USAGE: the
 * answer to an unknown option, a missing or bad value. Never a stack trace: the mistake is the
 * caller's, and the usage says how to fix it.
 */
export function exitWithUsage(usage: string, message: string): never {
  const line = message.split('\n')[0]!.trim();
  process.stderr.write(`error: ${line}\n${usage}\n`);
  process.exit(EXIT_USAGE);
}

/** wantsHelp tells whether `args` ask for help (`--help` or `-h` before any `--`). */
function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  const options = end < 0 ? args : args.slice(0, end);
  return options.includes('--help') || options.includes('-h');
}

/**
 * parseCli reads a script's command line (`config.args`, default process.argv after the script)
 * with node:util's parseArgs in strict mode, before the script starts anything. `--help` or `-h`
 * prints `usage` on stdout and exits 0; an unknown option, a missing value or a positional the
 * script does not take prints a one-line error and the usage on stderr and exits EXIT_USAGE.
 * Checks of the values themselves call exitWithUsage the same way.
 */
export function parseCli<T extends ParseArgsConfig>(
  usage: string,
  config: T,
): ReturnType<typeof parseArgs<T>> {
  const args = config.args ?? process.argv.slice(2);
  if (wantsHelp(args)) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  try {
    return parseArgs({ ...config, args, strict: true }) as ReturnType<typeof parseArgs<T>>;
  } catch (err) {
    exitWithUsage(usage, err instanceof Error ? err.message : String(err));
  }
}
