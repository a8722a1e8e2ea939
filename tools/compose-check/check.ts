import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { isExecutable, PROJECT_ROOT } from '../stack/temporal-cli';

const run = promisify(execFile);

/**
 * The Compose checks of SPEC.md §9 ("docker-compose.yml runs the production shape"; only the
 * API's port beyond the host) and issue 17's production shape: a Go validator built from this
 * folder (main.go, compose-go: what `docker compose config -q` runs), cached in `.tools/`, plus
 * the exposure rules read from the project it resolves. scripts/compose-check.ts runs them.
 */

/** CHECKER_SOURCE_DIR holds the Go validator's module (main.go, go.mod, go.sum). */
export const CHECKER_SOURCE_DIR = path.join(PROJECT_ROOT, 'tools', 'compose-check');

/** CHECKER_BIN is where the validator is built, beside the Temporal CLI (gitignored). */
export const CHECKER_BIN = path.join(PROJECT_ROOT, '.tools', 'compose-check');

const CHECKER_STAMP = `${CHECKER_BIN}.sha256`;
const CHECKER_SOURCES = ['main.go', 'go.mod', 'go.sum'];
/** BUILD_TIMEOUT_MS bounds the first build (module downloads included; about 30 s here). */
const BUILD_TIMEOUT_MS = 10 * 60_000;
/** CHECK_TIMEOUT_MS bounds one validation (tens of milliseconds in practice). */
const CHECK_TIMEOUT_MS = 30_000;

/**
 * REQUIRED_VARIABLES are the variables docker-compose.yml requires with `${VAR:?message}`:
 * without one (or with it empty), `docker compose` refuses to start and names it. Secrets have no
 * defaults in the production shape (issue 17).
 */
export const REQUIRED_VARIABLES = [
  'JWT_SECRET',
  'POSTGRES_PASSWORD',
  'HOLDFAST_DB_PASSWORD',
  'TEMPORAL_DB_PASSWORD',
] as const;

/**
 * PUBLIC_PORTS are the only container ports that may be published on every interface, by
 * service: the API's HTTP port. Everything else binds to loopback (SPEC.md §9).
 */
export const PUBLIC_PORTS: Readonly<Record<string, readonly number[]>> = { api: [3000] };

const LOOPBACK = new Set(['127.0.0.1', '::1']);

/** sourcesHash is the SHA-256 of the validator's sources, so an edit triggers a rebuild. */
async function sourcesHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const name of CHECKER_SOURCES) {
    hash.update(name).update(await readFile(path.join(CHECKER_SOURCE_DIR, name)));
  }
  return hash.digest('hex');
}

/**
 * ensureComposeChecker returns the path of the validator, building it with `go build` into
 * `.tools/` when it is missing or its sources changed since the last build (the hash is kept in
 * `.tools/compose-check.sha256`). The Go module proxy serves compose-go on first build.
 * @throws Error when Go is not installed (`go` not on PATH) or the build fails.
 */
export async function ensureComposeChecker(
  log: (line: string) => void = () => {},
): Promise<string> {
  const hash = await sourcesHash();
  const stamp = await readFile(CHECKER_STAMP, 'utf8').catch(() => '');
  if (stamp.trim() === hash && (await isExecutable(CHECKER_BIN))) return CHECKER_BIN;
  log(`building the Compose validator (tools/compose-check) into ${CHECKER_BIN}`);
  await mkdir(path.dirname(CHECKER_BIN), { recursive: true });
  try {
    await run('go', ['build', '-o', CHECKER_BIN, '.'], {
      cwd: CHECKER_SOURCE_DIR,
      maxBuffer: 16 * 1024 * 1024,
      timeout: BUILD_TIMEOUT_MS,
    });
  } catch (err) {
    const detail = (err as { stderr?: string }).stderr ?? String(err);
    throw new Error(`go build of tools/compose-check failed (is Go installed?):\n${detail}`);
  }
  await writeFile(CHECKER_STAMP, `${hash}\n`);
  return CHECKER_BIN;
}

/** CheckRun is one validator run: its exit code and what it printed. */
export interface CheckRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** RunCheckInput says which file to validate, with exactly which environment. */
export interface RunCheckInput {
  bin: string;
  file: string;
  /** env is the whole environment of the run: nothing of this process's leaks in. */
  env: Record<string, string>;
  /** json asks for the resolved project on stdout. */
  json?: boolean;
}

/**
 * runComposeCheck runs the validator once and returns its exit code and output; a non-zero exit
 * is a result, not an exception.
 * @throws Error when the validator cannot be started or runs past CHECK_TIMEOUT_MS.
 */
export async function runComposeCheck(input: RunCheckInput): Promise<CheckRun> {
  const args = ['-f', input.file, ...(input.json ? ['-json'] : [])];
  try {
    const { stdout, stderr } = await run(input.bin, args, {
      env: input.env,
      timeout: CHECK_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw err;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/**
 * composeEnv is a closed environment for one run: PATH only, the `.env` file next to the
 * Compose file ignored (COMPOSE_DISABLE_ENV_FILE, as in Compose), then `vars`. So a developer's
 * exported secrets or `.env` can neither hide a missing variable nor change the result.
 */
export function composeEnv(vars: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', COMPOSE_DISABLE_ENV_FILE: 'true', ...vars };
}

const portSchema = z.object({
  target: z.number().int(),
  published: z.string().optional(),
  host_ip: z.string().optional(),
});
const serviceSchema = z.object({
  image: z.string().optional(),
  ports: z.array(portSchema).optional(),
  environment: z.record(z.string(), z.string().nullable()).optional(),
});

/** projectSchema is the part of a resolved Compose project (`-json`) the exposure rules read. */
export const projectSchema = z.object({ services: z.record(z.string(), serviceSchema) });

/** ComposeProject is a resolved Compose project, as far as projectSchema reads it. */
export type ComposeProject = z.infer<typeof projectSchema>;

/**
 * exposureProblems lists, as sentences, every way `project` breaks the production shape:
 * a port published beyond loopback other than PUBLIC_PORTS (SPEC.md §9); a
 * `temporalio/auto-setup` image (a development image that redoes setup on every start); an
 * admin-tools image whose version is not the server's; an API without METRICS_PORT, or
 * publishing it. Empty when the project is fine.
 */
export function exposureProblems(project: ComposeProject): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(project.services)) {
    for (const port of service.ports ?? []) {
      const publicOk = PUBLIC_PORTS[name]?.includes(port.target) ?? false;
      if (!publicOk && !LOOPBACK.has(port.host_ip ?? '')) {
        problems.push(
          `${name}: container port ${port.target} is published on ${port.host_ip || 'every interface'}, not on 127.0.0.1`,
        );
      }
    }
    if (service.image?.startsWith('temporalio/auto-setup')) {
      problems.push(`${name}: runs ${service.image}, a development image; use temporalio/server`);
    }
  }
  problems.push(...temporalVersionProblems(project), ...metricsProblems(project));
  return problems;
}

/** temporalVersionProblems checks that the schema tool and the server are the same release. */
function temporalVersionProblems(project: ComposeProject): string[] {
  const images = Object.values(project.services).map((service) => service.image ?? '');
  const server = images.find((image) => image.startsWith('temporalio/server:'));
  if (!server) return ['no service runs temporalio/server'];
  const version = server.slice('temporalio/server:'.length);
  const tools = images.filter((image) => image.startsWith('temporalio/admin-tools:'));
  if (tools.length === 0) return ['no temporalio/admin-tools step sets up the schema'];
  return tools
    .filter((image) => !image.startsWith(`temporalio/admin-tools:${version}-`))
    .filter((image) => image !== `temporalio/admin-tools:${version}`)
    .map((image) => `${image} is not the server's version ${version}`);
}

/** metricsProblems checks that the API serves /metrics on an unpublished METRICS_PORT. */
function metricsProblems(project: ComposeProject): string[] {
  const api = project.services.api;
  if (!api) return ['no api service'];
  const metricsPort = Number(api.environment?.METRICS_PORT ?? '0');
  if (!Number.isInteger(metricsPort) || metricsPort <= 0) {
    return ['api: METRICS_PORT is not set, so /metrics is served on the public port'];
  }
  const published = (api.ports ?? []).some((port) => port.target === metricsPort);
  return published ? [`api: METRICS_PORT ${metricsPort} is published`] : [];
}
