import { findTemporalCli } from '../tools/stack/temporal-cli';
import { parseCli } from './shared/cli';

/** USAGE is printed for --help, and on stderr with exit code 2 for any argument: it takes none. */
const USAGE = `usage: npm run ensure-temporal
Finds the Temporal CLI (TEMPORAL_CLI_PATH, PATH, .tools/) or installs it with go install, and
prints its path.`;

/**
 * `npm run ensure-temporal`: finds the Temporal CLI (TEMPORAL_CLI_PATH, PATH, `.tools/`) or
 * installs it with `go install` (tools/stack/temporal-cli.ts), and prints its path. CI runs it first.
 */
async function main(): Promise<void> {
  parseCli(USAGE, {});
  const cli = await findTemporalCli((line) => console.log(line));
  console.log(
    cli ?? 'no Temporal CLI and no Go: the SDK will download the dev server on first use',
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
