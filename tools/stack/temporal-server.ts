import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { mkdir, mkdtemp, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from '../../domain/search-attributes';
import { parseDurationMs } from '../../domain/duration';
import type { RunningService } from './local-stack';
import { isExecutable, PROJECT_ROOT } from './temporal-cli';
import { DEFAULT_RETENTION, ensureTemporalSetup } from './temporal-setup';
import {
  CONFIG_ENV,
  SQL_PLUGIN,
  TEMPORAL_DATABASE,
  TEMPORAL_VISIBILITY_DATABASE,
  postgresEndpoint,
  writeServerConfig,
  type PostgresEndpoint,
} from './temporal-server-config';
import { killWithParent, sleep, stopChild } from '../process';

/**
 * The full Temporal server on PostgreSQL (`TEMPORAL_PERSISTENCE=postgres`): the production
 * shape of docker-compose.yml on one machine, with several history shards instead of the dev
 * server's one SQLite shard. It has no Web UI (that is the separate ui-server, not run here).
 */

const run = promisify(execFile);

/**
 * TEMPORAL_SERVER_VERSION is the server release Temporal CLI 1.5.1 embeds, so both local modes
 * run the same server code. Its module has no replace directive, so `go install` accepts it.
 */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';

/** TEMPORAL_SERVER_PACKAGES are the Go packages of the server and of `temporal-sql-tool`. */
export const TEMPORAL_SERVER_PACKAGES = {
  server: 'go.temporal.io/server/cmd/server',
  sqlTool: 'go.temporal.io/server/cmd/tools/sql',
} as const;

/** TemporalServerBinaries are the two executables this mode needs. */
export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
}

/** BINARIES names each binary: its override variable and its file name in `.tools/`. */
const BINARIES = {
  server: { variable: 'TEMPORAL_SERVER_PATH', file: 'temporal-server' },
  sqlTool: { variable: 'TEMPORAL_SQL_TOOL_PATH', file: 'temporal-sql-tool' },
} as const;

/** GO_INSTALL_TIMEOUT_MS bounds one `go install`: the server module is large to compile. */
const GO_INSTALL_TIMEOUT_MS = 30 * 60_000;
/** FRONTEND_WAIT_MS bounds the wait for a started server's frontend to answer. */
const FRONTEND_WAIT_MS = 120_000;
/** LOG_TAIL_CHARS is how much of the server's log an error message quotes. */
const LOG_TAIL_CHARS = 4_000;

async function findGo(): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    if (await isExecutable(path.join(dir, 'go'))) return path.join(dir, 'go');
  }
  return undefined;
}

/**
 * findTemporalServer returns the Temporal server and `temporal-sql-tool`: each is its variable
 * (`TEMPORAL_SERVER_PATH`, `TEMPORAL_SQL_TOOL_PATH`) or `.tools/temporal-server`,
 * `.tools/temporal-sql-tool`; a missing one is installed there with `go install
 * <package>@v1.29.1` (several minutes the first time).
 * @throws Error when a variable names a non-executable file, Go is missing, or `go install` fails.
 */
export async function findTemporalServer(
  log: (line: string) => void = () => {},
): Promise<TemporalServerBinaries> {
  const toolsDir = path.join(PROJECT_ROOT, '.tools');
  const found: Partial<TemporalServerBinaries> = {};
  for (const key of ['server', 'sqlTool'] as const) {
    const { variable, file } = BINARIES[key];
    const explicit = process.env[variable];
    if (explicit && !(await isExecutable(explicit)))
      throw new Error(`${variable}=${explicit} is not an executable file`);
    const local = explicit ?? path.join(toolsDir, file);
    if (!(await isExecutable(local))) await goInstall(TEMPORAL_SERVER_PACKAGES[key], local, log);
    found[key] = local;
  }
  return found as TemporalServerBinaries;
}

/**
 * goInstall builds `pkg` at TEMPORAL_SERVER_VERSION into a scratch GOBIN inside `.tools/` and
 * renames the binary (named after the package's last path element) to `target`, so a
 * half-finished install never leaves a file at `target`.
 */
async function goInstall(pkg: string, target: string, log: (line: string) => void) {
  const go = await findGo();
  if (!go) {
    throw new Error(
      `${target} is missing and Go is not installed: install Go, or set ` +
        'TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH, or use TEMPORAL_PERSISTENCE=sqlite',
    );
  }
  const module = `${pkg}@${TEMPORAL_SERVER_VERSION}`;
  log(`installing ${path.basename(target)} with go install ${module} (may take several minutes)`);
  await mkdir(path.dirname(target), { recursive: true });
  const scratch = await mkdtemp(path.join(path.dirname(target), '.go-install-'));
  try {
    const started = Date.now();
    await run(go, ['install', module], {
      env: { ...process.env, GOBIN: scratch },
      maxBuffer: 64 * 1024 * 1024,
      timeout: GO_INSTALL_TIMEOUT_MS,
    });
    await rename(path.join(scratch, path.basename(pkg)), target);
    log(`installed ${target} in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** StartTemporalServerInput configures one full Temporal server. */
export interface StartTemporalServerInput {
  /** postgresUrl is any database URL of the PostgreSQL server; its user must create databases. */
  postgresUrl: string;
  /** port is the frontend's gRPC port on 127.0.0.1; the others are free, kept per dataDir. */
  port: number;
  /** historyShards is fixed when the databases are first set up; later starts must match it. */
  historyShards: number;
  /** dataDir receives the generated config files and the server's log. */
  dataDir: string;
  log?: (line: string) => void;
  /** namespace is registered with the custom search attributes; default `default`. */
  namespace?: string;
  /** logLevel is the server's log level (debug, info, warn, error); default `warn`. */
  logLevel?: string;
}

/** RunningTemporalServer is a started full server: RunningService plus what a benchmark reads. */
export interface RunningTemporalServer extends RunningService {
  /** pid is the server process (CPU time in /proc/<pid>/stat). */
  pid: number;
  /** logPath is the server's stdout and stderr. */
  logPath: string;
  /** timingsMs times the start-up steps: schemas, server up, namespace registered. */
  timingsMs: { schema: number; serve: number; namespace: number };
}

/**
 * startTemporalServer runs the full Temporal server on the PostgreSQL at `postgresUrl`: creates
 * the databases `temporal` and `temporal_visibility` if missing, installs or upgrades their
 * schemas with `temporal-sql-tool`, writes the config into `dataDir`, starts the server, waits
 * (bounded) until the frontend answers, checks the history shard count, and registers the
 * namespace with holdfast's search attributes (the full server creates no namespace itself).
 * The server has no Web UI. It is killed if this process exits without stopping it.
 * @throws Error when a step fails, the server exits, or the databases hold another shard count.
 */
export async function startTemporalServer(
  input: StartTemporalServerInput,
): Promise<RunningTemporalServer> {
  const log = input.log ?? (() => {});
  const binaries = await findTemporalServer(log);
  const postgres = postgresEndpoint(input.postgresUrl);
  let started = Date.now();
  await ensureDatabases(input.postgresUrl);
  await setupSchemas(binaries.sqlTool, postgres);
  const schema = Date.now() - started;
  log(`Temporal schemas on ${postgres.host}:${postgres.port} are current (${schema} ms)`);
  started = Date.now();
  await writeServerConfig({ ...input, postgres, logLevel: input.logLevel ?? 'warn' });
  const logPath = path.join(input.dataDir, 'temporal-server.log');
  const address = `127.0.0.1:${input.port}`;
  const child = spawnServer(binaries.server, input.dataDir, logPath);
  if (child.pid === undefined) throw new Error(`could not start ${binaries.server}`);
  killWithParent(child);
  try {
    await waitForFrontend(address, child, logPath, input.historyShards);
    const serve = Date.now() - started;
    started = Date.now();
    await ensureTemporalSetup({
      address,
      namespace: input.namespace ?? 'default',
      retentionMs: parseDurationMs(DEFAULT_RETENTION)!,
      log,
      attemptsMax: 120,
      attemptDelayMs: 500,
    });
    await waitForSearchAttributeMapping(address, input.namespace ?? 'default', log);
    const timingsMs = { schema, serve, namespace: Date.now() - started };
    return { url: address, pid: child.pid, logPath, timingsMs, stop: () => stopChild(child) };
  } catch (err) {
    await stopChild(child);
    throw err;
  }
}

/** ensureDatabases creates the two Temporal databases unless they exist. */
async function ensureDatabases(postgresUrl: string): Promise<void> {
  const adminUrl = new URL(postgresUrl);
  adminUrl.pathname = '/postgres';
  const client = new pg.Client({ connectionString: adminUrl.toString() });
  await client.connect();
  try {
    for (const database of [TEMPORAL_DATABASE, TEMPORAL_VISIBILITY_DATABASE]) {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
    }
  } finally {
    await client.end();
  }
}

/**
 * setupSchemas runs `temporal-sql-tool` on both databases: `setup-schema -v 0.0` creates the
 * version tables (a no-op once a schema exists), `update-schema` applies every versioned
 * schema step the binary carries. Both are idempotent. The password travels in SQL_PASSWORD,
 * not on the command line.
 */
async function setupSchemas(sqlTool: string, postgres: PostgresEndpoint): Promise<void> {
  const schemas = [
    [TEMPORAL_DATABASE, 'postgresql/v12/temporal'],
    [TEMPORAL_VISIBILITY_DATABASE, 'postgresql/v12/visibility'],
  ];
  const env = { ...process.env, SQL_PASSWORD: postgres.password };
  for (const [database, schemaName] of schemas) {
    const connect = [
      ...['--plugin', SQL_PLUGIN, '--ep', postgres.host, '-p', String(postgres.port)],
      ...['-u', postgres.user, '--db', database],
    ];
    try {
      await run(sqlTool, [...connect, 'setup-schema', '-v', '0.0'], { env });
      await run(sqlTool, [...connect, 'update-schema', '--schema-name', schemaName], { env });
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr ?? '';
      throw new Error(`temporal-sql-tool failed on ${database}: ${String(err)}\n${stderr}`);
    }
  }
}

/** spawnServer starts the server on `dataDir`'s config, its output truncating `logPath`. */
function spawnServer(server: string, dataDir: string, logPath: string): ChildProcess {
  const logFd = openSync(logPath, 'w');
  try {
    const args = ['--root', dataDir, '--config', 'config', '--env', CONFIG_ENV];
    const child = spawn(server, [...args, '--allow-no-auth', 'start'], {
      stdio: ['ignore', logFd, logFd],
    });
    // A failed spawn leaves child.pid undefined, which the caller reports; never crash here.
    child.once('error', () => {});
    return child;
  } finally {
    closeSync(logFd);
  }
}

/**
 * waitForFrontend polls the frontend until it answers (at most FRONTEND_WAIT_MS), then checks
 * that the cluster runs `historyShards` shards: the count is fixed in the database at the
 * first start, and the server silently keeps the stored one.
 * @throws Error when the server exits, does not answer in time, or has another shard count.
 */
async function waitForFrontend(
  address: string,
  child: ChildProcess,
  logPath: string,
  historyShards: number,
): Promise<void> {
  const deadline = Date.now() + FRONTEND_WAIT_MS;
  for (let attempt = 0; ; attempt += 1) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const status = child.exitCode ?? child.signalCode;
      throw new Error(`temporal server exited (${status}): ${await logTail(logPath)}`);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `temporal server did not answer on ${address} within ${FRONTEND_WAIT_MS / 1000} s: ` +
          (await logTail(logPath)),
      );
    }
    const shards = await historyShardCount(address);
    if (shards === undefined) {
      await sleep(Math.min(100 * 2 ** attempt, 1_000));
      continue;
    }
    if (shards === historyShards) return;
    throw new Error(
      `the Temporal databases were set up with ${shards} history shards; the count cannot change ` +
        `to ${historyShards}. Set TEMPORAL_HISTORY_SHARDS=${shards}, or drop the databases ` +
        `${TEMPORAL_DATABASE} and ${TEMPORAL_VISIBILITY_DATABASE} (for npm run dev: delete .data/postgres).`,
    );
  }
}

/** historyShardCount asks the frontend for the cluster's shard count; undefined if it is down. */
async function historyShardCount(address: string): Promise<number | undefined> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1_000 });
    const info = await connection.workflowService.getClusterInfo({});
    return info.historyShardCount ?? undefined;
  } catch {
    return undefined;
  } finally {
    await connection?.close();
  }
}

/** NAMESPACE_REFRESH_MS is every service's namespace cache refresh (server default, 2 s). */
const NAMESPACE_REFRESH_MS = 2_000;

/**
 * SAMPLE_VALUES gives each search attribute type a literal for a visibility query. A query
 * naming every custom attribute is accepted once the frontend's namespace cache maps them.
 */
const SAMPLE_VALUES: Record<SearchAttributeType, string> = {
  TEXT: '""',
  KEYWORD: '""',
  KEYWORD_LIST: '""',
  INT: '0',
  DOUBLE: '0',
  BOOL: 'false',
  DATETIME: '"2000-01-01T00:00:00Z"',
};

/**
 * waitForSearchAttributeMapping waits until the frontend accepts a query on every custom search
 * attribute. With SQL visibility, attributes added by ensureTemporalSetup live in the
 * namespace's record, and each service sees them only at its next namespace cache refresh: a
 * workflow started before that is refused (`no mapping defined for search attribute`). When the
 * frontend was stale, it waits one more refresh so history and matching have caught up too.
 * @throws Error when the frontend still refuses the query after 30 s.
 */
async function waitForSearchAttributeMapping(
  address: string,
  namespace: string,
  log: (line: string) => void,
): Promise<void> {
  const query = SEARCH_ATTRIBUTES.map(({ name, type }) => `${name} = ${SAMPLE_VALUES[type]}`).join(
    ' OR ',
  );
  const connection = await Connection.connect({ address });
  try {
    for (let attempt = 0; attempt < 60; attempt += 1) {
      try {
        await connection.workflowService.countWorkflowExecutions({ namespace, query });
        if (attempt === 0) return;
        log('the services now map the custom search attributes; one more cache refresh');
        await sleep(NAMESPACE_REFRESH_MS);
        return;
      } catch (err) {
        if (attempt === 59) throw err;
        await sleep(500);
      }
    }
  } finally {
    await connection.close();
  }
}

/** logTail is the end of the server's log, for error messages. */
async function logTail(logPath: string): Promise<string> {
  const file = await open(logPath, 'r');
  try {
    const { size } = await file.stat();
    const length = Math.min(size, LOG_TAIL_CHARS);
    const { buffer } = await file.read(Buffer.alloc(length), 0, length, size - length);
    return `(log ${logPath})\n${buffer.toString()}`;
  } finally {
    await file.close();
  }
}
