import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { DEV_SERVER_DYNAMIC_CONFIG, freePort } from './local-stack';

/**
 * The configuration files of the full Temporal server (`go.temporal.io/server` v1.29.1) that
 * tools/stack/temporal-server.ts runs on PostgreSQL: the static server config (persistence, services,
 * membership) and the dynamic config file. Both are written as YAML into the server's data
 * directory on every start, so they always match the ports and shard count of that start.
 */

/** SQL_PLUGIN is the server's persistence plugin for PostgreSQL 12 and later. */
export const SQL_PLUGIN = 'postgres12';

/** TEMPORAL_DATABASE and TEMPORAL_VISIBILITY_DATABASE are the two databases the server uses. */
export const TEMPORAL_DATABASE = 'temporal';
export const TEMPORAL_VISIBILITY_DATABASE = 'temporal_visibility';

/**
 * SQL_MAX_CONNS_DEFAULT_STORE and SQL_MAX_CONNS_VISIBILITY_STORE cap each connection pool. The
 * one process runs four services (frontend, history, matching, worker) and each opens its own
 * pool per store: at most 4 × (20 + 10) = 120 connections, which leaves 180 of the embedded
 * PostgreSQL's max_connections=300 to holdfast's API, worker and tests.
 */
export const SQL_MAX_CONNS_DEFAULT_STORE = 20;
export const SQL_MAX_CONNS_VISIBILITY_STORE = 10;

/** PostgresEndpoint is where and as whom the server reaches PostgreSQL. */
export interface PostgresEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** postgresEndpoint reads host, port, user and password from a PostgreSQL URL. */
export function postgresEndpoint(postgresUrl: string): PostgresEndpoint {
  const url = new URL(postgresUrl);
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 5432,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
}

/**
 * ServicePorts are the TCP ports of the four in-process services, all bound to 127.0.0.1:
 * `grpc` serves the service, `membership` its ringpop gossip; the frontend also serves Temporal's
 * HTTP API on `frontendHttp`.
 */
export interface ServicePorts {
  frontend: { grpc: number; membership: number };
  frontendHttp: number;
  history: { grpc: number; membership: number };
  matching: { grpc: number; membership: number };
  worker: { grpc: number; membership: number };
}

/** ServerConfigInput is everything that varies between two starts of the server. */
export interface ServerConfigInput {
  postgres: PostgresEndpoint;
  ports: ServicePorts;
  historyShards: number;
  /** dynamicConfigPath is the absolute path of the file dynamicConfigYaml() is written to. */
  dynamicConfigPath: string;
  /** logLevel is the server's zap level: debug, info, warn or error. */
  logLevel: string;
}

/** LOOPBACK is the one address every service binds to and advertises. */
const LOOPBACK = '127.0.0.1';

/** sqlStore is one persistence datastore on PostgreSQL. */
function sqlStore(input: ServerConfigInput, databaseName: string, maxConns: number) {
  return {
    sql: {
      pluginName: SQL_PLUGIN,
      databaseName,
      connectAddr: `${input.postgres.host}:${input.postgres.port}`,
      connectProtocol: 'tcp',
      user: input.postgres.user,
      password: input.postgres.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  };
}

/** rpc is the `rpc` block of one service. */
function rpc(ports: { grpc: number; membership: number }, httpPort?: number) {
  return {
    rpc: {
      grpcPort: ports.grpc,
      membershipPort: ports.membership,
      bindOnIP: LOOPBACK,
      ...(httpPort === undefined ? {} : { httpPort }),
    },
  };
}

/**
 * serverConfig is the static config of one start: default and visibility stores on
 * PostgreSQL, `historyShards` history shards, the four services on loopback, ringpop
 * membership on loopback, archival off, no metrics or pprof listeners, and the dynamic config
 * file polled every 10 s.
 */
export function serverConfig(input: ServerConfigInput): Record<string, unknown> {
  const frontendAddress = `${LOOPBACK}:${input.ports.frontend.grpc}`;
  return {
    log: { stdout: true, level: input.logLevel },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: input.historyShards,
      datastores: {
        'postgres-default': sqlStore(input, TEMPORAL_DATABASE, SQL_MAX_CONNS_DEFAULT_STORE),
        'postgres-visibility': sqlStore(
          input,
          TEMPORAL_VISIBILITY_DATABASE,
          SQL_MAX_CONNS_VISIBILITY_STORE,
        ),
      },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: LOOPBACK } },
    services: {
      frontend: rpc(input.ports.frontend, input.ports.frontendHttp),
      history: rpc(input.ports.history),
      matching: rpc(input.ports.matching),
      worker: rpc(input.ports.worker),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: frontendAddress,
          httpAddress: `${LOOPBACK}:${input.ports.frontendHttp}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: {
      archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    },
    publicClient: { hostPort: frontendAddress },
    dynamicConfigClient: { filepath: input.dynamicConfigPath, pollInterval: '10s' },
  };
}

/**
 * dynamicConfig turns DEV_SERVER_DYNAMIC_CONFIG (`key=JSON value`, the dev server's
 * `--dynamic-config-value` form) into the file form: every key holds a list of constrained
 * values, here one unconstrained value each. The full server then runs with the same settings
 * as the dev server.
 * @throws Error when an entry has no `=` or its value is not JSON.
 */
export function dynamicConfig(
  entries: readonly string[] = DEV_SERVER_DYNAMIC_CONFIG,
): Record<string, unknown> {
  return Object.fromEntries(
    entries.map((entry) => {
      const at = entry.indexOf('=');
      if (at <= 0) throw new Error(`dynamic config entry "${entry}" is not key=value`);
      return [entry.slice(0, at), [{ value: JSON.parse(entry.slice(at + 1)) as unknown }]];
    }),
  );
}

/** CONFIG_ENV is the server's environment name: it reads `<dataDir>/config/holdfast.yaml`. */
export const CONFIG_ENV = 'holdfast';

/** WriteServerConfigInput says where to write the config of one start, and what varies. */
export interface WriteServerConfigInput {
  dataDir: string;
  /** port is the frontend's gRPC port; the other ports are free ones (see choosePorts). */
  port: number;
  historyShards: number;
  postgres: PostgresEndpoint;
  logLevel: string;
}

/**
 * writeServerConfig writes the server config (`<dataDir>/config/<CONFIG_ENV>.yaml`, readable by
 * this user only: it holds the database password) and the dynamic config next to it, with the
 * services on the ports of choosePorts().
 */
export async function writeServerConfig(input: WriteServerConfigInput): Promise<void> {
  const configDir = path.join(input.dataDir, 'config');
  await mkdir(configDir, { recursive: true });
  const ports = await choosePorts(path.join(configDir, 'ports.json'), input.port);
  const dynamicConfigPath = path.join(configDir, 'dynamicconfig.yaml');
  await writeFile(dynamicConfigPath, toYaml(dynamicConfig()));
  const config = serverConfig({
    postgres: input.postgres,
    ports,
    historyShards: input.historyShards,
    dynamicConfigPath,
    logLevel: input.logLevel,
  });
  await writeFile(path.join(configDir, `${CONFIG_ENV}.yaml`), toYaml(config), { mode: 0o600 });
}

/**
 * choosePorts reuses the ports of the last start (kept in `portsPath`) while they are all free,
 * else picks free ones and keeps them. Stable ports matter: the server finds its ring's members
 * in the database, and a previous start's members on other ports, dead, made a later graceful
 * stop take about 8 s instead of 1 s.
 */
async function choosePorts(portsPath: string, frontendPort: number): Promise<ServicePorts> {
  const previous = await readFile(portsPath, 'utf8')
    .then((text) => JSON.parse(text) as ServicePorts)
    .catch(() => undefined);
  if (previous?.frontend?.grpc === frontendPort) {
    const { frontend, frontendHttp, history, matching, worker } = previous;
    const others = [frontend.membership, frontendHttp, history, matching, worker].flatMap((p) =>
      typeof p === 'number' ? [p] : [p.grpc, p.membership],
    );
    const free = await Promise.all(others.map((port) => isFree(port)));
    if (free.every(Boolean)) return previous;
  }
  const taken = new Set<number>();
  const pair = async () => ({ grpc: await freePort(), membership: await freeSmallPort(taken) });
  const ports: ServicePorts = {
    frontend: { grpc: frontendPort, membership: await freeSmallPort(taken) },
    frontendHttp: await freePort(),
    history: await pair(),
    matching: await pair(),
    worker: await pair(),
  };
  await writeFile(portsPath, JSON.stringify(ports));
  return ports;
}

/** isFree is true when a TCP listener can bind `port` on 127.0.0.1 right now. */
async function isFree(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * SMALL_PORT_RANGE is where membership ports are picked: the server stores its ringpop port in
 * `cluster_membership.rpc_port`, a SMALLINT, so it must stay below 32768, under the kernel's
 * ephemeral range that freePort() draws from.
 */
const SMALL_PORT_RANGE = { min: 20_000, max: 32_767 };

/**
 * freeSmallPort returns a port in SMALL_PORT_RANGE that is free on 127.0.0.1 and not in
 * `taken` (to which it is added), probing random ports.
 * @throws Error when 200 probes find none.
 */
async function freeSmallPort(taken: Set<number>): Promise<number> {
  const span = SMALL_PORT_RANGE.max - SMALL_PORT_RANGE.min + 1;
  for (let probe = 0; probe < 200; probe += 1) {
    const port = SMALL_PORT_RANGE.min + Math.floor(Math.random() * span);
    if (taken.has(port) || !(await isFree(port))) continue;
    taken.add(port);
    return port;
  }
  throw new Error(`no free port in ${SMALL_PORT_RANGE.min}-${SMALL_PORT_RANGE.max} on 127.0.0.1`);
}

/**
 * toYaml renders plain data (objects, arrays, strings, finite numbers, booleans) as block
 * YAML. Strings are always double-quoted (JSON escapes are valid YAML), so no value can be
 * misread as another type.
 * @throws Error on any other value (undefined, null, functions, NaN).
 */
export function toYaml(value: unknown, indent = ''): string {
  if (Array.isArray(value)) {
    return value
      .map((item) =>
        isBlock(item)
          ? `${indent}- ${toYaml(item, `${indent}  `).trimStart()}`
          : `${indent}- ${scalar(item)}\n`,
      )
      .join('');
  }
  if (isRecord(value)) {
    return Object.entries(value)
      .map(([key, item]) => {
        const name = /^[A-Za-z_][\w.-]*$/.test(key) ? key : JSON.stringify(key);
        if (!isBlock(item)) return `${indent}${name}: ${scalar(item)}\n`;
        return `${indent}${name}:\n${toYaml(item, `${indent}  `)}`;
      })
      .join('');
  }
  return `${indent}${scalar(value)}\n`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** isBlock is true for a non-empty object or array (rendered on its own lines). */
function isBlock(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return isRecord(value) && Object.keys(value).length > 0;
}

function scalar(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) return '[]';
  if (isRecord(value)) return '{}';
  throw new Error(`cannot render ${String(value)} as YAML`);
}
