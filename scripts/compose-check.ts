import path from 'node:path';
import { PROJECT_ROOT } from '../tools/stack/temporal-cli';
import {
  composeEnv,
  ensureComposeChecker,
  exposureProblems,
  projectSchema,
  REQUIRED_VARIABLES,
  runComposeCheck,
} from '../tools/compose-check/check';
import { parseCli } from './shared/cli';

/** COMPOSE_FILE is the file checked: the production shape of SPEC.md §9. */
const COMPOSE_FILE = path.join(PROJECT_ROOT, 'docker-compose.yml');

/** DUMMY_VALUES stand in for the required secrets: valid in form, meaningless. */
const DUMMY_VALUES: Record<string, string> = Object.fromEntries(
  REQUIRED_VARIABLES.map((name) => [name, `compose-check-${name.toLowerCase()}-0123456789abcdef`]),
);

/** CaseResult is one named check and, when it failed, why. */
interface CaseResult {
  name: string;
  problems: string[];
}

/** USAGE is printed for --help, and on stderr with exit code 2 for any argument: it takes none. */
const USAGE = `usage: npm run compose:check
Validates docker-compose.yml as 'docker compose config -q' does and checks its production
rules (required secrets, nothing published beyond the API); exits 1 when a case fails.`;

/**
 * `npm run compose:check`: validates docker-compose.yml as `docker compose config -q` does
 * (tools/compose-check, built into `.tools/` once), then proves the production rules:
 * 1. with every required variable set to a dummy value the file is valid, and the resolved
 *    project publishes nothing but the API beyond 127.0.0.1, runs no auto-setup image, and
 *    keeps the API's /metrics on an unpublished METRICS_PORT;
 * 2. without each required variable, or with it empty, the file is refused with a message
 *    naming that variable.
 * Prints one line per case; exits 1 when any fails. .ci/run runs it before the tests.
 */
async function main(): Promise<void> {
  parseCli(USAGE, {});
  const bin = await ensureComposeChecker((line) => console.log(line));
  const results = [await validCase(bin)];
  for (const name of REQUIRED_VARIABLES) {
    results.push(await missingCase(bin, name, 'unset'), await missingCase(bin, name, 'empty'));
  }
  for (const { name, problems } of results) {
    console.log(`${problems.length === 0 ? 'ok  ' : 'FAIL'} ${name}`);
    for (const problem of problems) console.log(`       ${problem}`);
  }
  const failed = results.filter((result) => result.problems.length > 0).length;
  if (failed > 0) {
    console.log(`compose-check: ${failed} of ${results.length} cases failed`);
    process.exit(1);
  }
  console.log(`compose-check: all ${results.length} cases hold`);
}

/** validCase loads the file with every required variable set and applies exposureProblems. */
async function validCase(bin: string): Promise<CaseResult> {
  const name = 'valid with the required variables set; exposure, images, metrics port';
  const run = await runComposeCheck({
    bin,
    file: COMPOSE_FILE,
    env: composeEnv(DUMMY_VALUES),
    json: true,
  });
  if (run.code !== 0) return { name, problems: [`exit ${run.code}: ${run.stderr.trim()}`] };
  const project = projectSchema.safeParse(JSON.parse(run.stdout));
  if (!project.success) return { name, problems: [`unexpected -json output: ${project.error}`] };
  return { name, problems: exposureProblems(project.data) };
}

/** missingCase proves that `variable` is required: the load fails and the message names it. */
async function missingCase(
  bin: string,
  variable: string,
  how: 'unset' | 'empty',
): Promise<CaseResult> {
  const name = `refused with ${variable} ${how}`;
  const vars = { ...DUMMY_VALUES };
  if (how === 'unset') delete vars[variable];
  else vars[variable] = '';
  const run = await runComposeCheck({ bin, file: COMPOSE_FILE, env: composeEnv(vars) });
  if (run.code === 0) return { name, problems: ['the file loaded without it'] };
  const named = run.stderr.includes(`required variable ${variable} is missing a value`);
  return { name, problems: named ? [] : [`the message does not name it: ${run.stderr.trim()}`] };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
