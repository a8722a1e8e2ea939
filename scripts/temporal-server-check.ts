import { mkdtemp, chmod, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES, CustomerIdKey } from '../domain/search-attributes';
import { freePort, startEmbeddedPostgres } from '../tools/stack/local-stack';
import {
  findTemporalServer,
  startTemporalServer,
  type RunningTemporalServer,
} from '../tools/stack/temporal-server';
import { parseCli } from './shared/cli';
import { sleep } from '../tools/process';

/**
 * `npx tsx scripts/temporal-server-check.ts`: a by-hand check of TEMPORAL_PERSISTENCE=postgres
 * (tools/stack/temporal-server.ts), too slow for `npm test`. On free ports and throwaway data it
 * installs the server if missing, starts an embedded PostgreSQL and the full server with
 * HISTORY_SHARDS shards, checks the `default` namespace, the custom search attributes, a
 * workflow start found through a custom search attribute, a restart on the same databases and
 * the refusal of another shard count, prints the timings and stops everything. Exits 1 on a
 * failure.
 */

const HISTORY_SHARDS = 4;

/** USAGE is printed for --help, and on stderr with exit code 2 for any argument: it takes none. */
const USAGE = `usage: npx tsx scripts/temporal-server-check.ts
A by-hand check of TEMPORAL_PERSISTENCE=postgres: the full Temporal server on an embedded
PostgreSQL, on free ports and throwaway data; exits 1 on a failure.`;

const log = (line: string) => console.log(`[check] ${line}`);

async function main(): Promise<void> {
  parseCli(USAGE, {});
  let mark = Date.now();
  const binaries = await findTemporalServer(log);
  log(`binaries: ${binaries.server}, ${binaries.sqlTool} (${Date.now() - mark} ms)`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'holdfast-temporal-server-'));
  await chmod(dir, 0o755); // the embedded PostgreSQL runs as the `postgres` user under root
  mark = Date.now();
  const pg = await startEmbeddedPostgres({
    dataDir: path.join(dir, 'pg'),
    port: await freePort(),
    database: 'holdfast',
    persistent: false,
  });
  log(`embedded PostgreSQL at ${pg.url} (${Date.now() - mark} ms)`);
  const serverInput = {
    postgresUrl: pg.url,
    port: await freePort(),
    historyShards: HISTORY_SHARDS,
    dataDir: path.join(dir, 'temporal'),
    log,
  };
  let server: RunningTemporalServer | undefined;
  try {
    server = await startTemporalServer(serverInput);
    report('first start', server);
    await checkServer(server.url);
    mark = Date.now();
    await server.stop();
    log(`stopped in ${Date.now() - mark} ms; restarting on the same databases`);
    server = await startTemporalServer(serverInput);
    report('restart', server);
    await server.stop();
    server = undefined;
    await checkShardRefusal({ ...serverInput, historyShards: HISTORY_SHARDS * 2 });
    log('PASS');
  } finally {
    mark = Date.now();
    await server?.stop();
    await pg.stop();
    log(`stopped PostgreSQL in ${Date.now() - mark} ms`);
    await rm(dir, { recursive: true, force: true });
  }
}

function report(what: string, server: RunningTemporalServer): void {
  const { schema, serve, namespace } = server.timingsMs;
  log(
    `${what}: server pid ${server.pid} on ${server.url}; schemas ${schema} ms, ` +
      `frontend up ${serve} ms, namespace + search attributes ${namespace} ms`,
  );
}

/**
 * checkServer asserts the shard count, the `default` namespace and the custom search
 * attributes, then starts a workflow (no worker polls its queue) tagged with a CustomerId, finds
 * it through visibility by that attribute, and terminates it.
 */
async function checkServer(address: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const info = await connection.workflowService.getClusterInfo({});
    log(`cluster: server ${info.serverVersion}, ${info.historyShardCount} history shards`);
    assert(info.historyShardCount === HISTORY_SHARDS, 'history shard count');
    const ns = await connection.workflowService.describeNamespace({ namespace: 'default' });
    log(`namespace default: state ${ns.namespaceInfo?.state}, id ${ns.namespaceInfo?.id}`);
    const listed = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    const custom = Object.keys(listed.customAttributes ?? {});
    log(`custom search attributes: ${custom.sort().join(', ')}`);
    for (const { name } of SEARCH_ATTRIBUTES) assert(custom.includes(name), `attribute ${name}`);
    await checkWorkflowVisibility(new Client({ connection }));
  } finally {
    await connection.close();
  }
}

async function checkWorkflowVisibility(client: Client): Promise<void> {
  const customerId = randomUUID();
  const mark = Date.now();
  const handle = await client.workflow.start('temporalServerCheck', {
    taskQueue: 'temporal-server-check',
    workflowId: `temporal-server-check-${customerId}`,
    typedSearchAttributes: [{ key: CustomerIdKey, value: customerId }],
  });
  const query = `CustomerId = "${customerId}"`;
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const found = [];
    for await (const execution of client.workflow.list({ query })) found.push(execution);
    if (found.length === 1) {
      log(`workflow started and found by ${query} in ${Date.now() - mark} ms`);
      await handle.terminate('temporal-server-check done');
      return;
    }
    await sleep(200);
  }
  throw new Error(`workflow ${handle.workflowId} not found by ${query}`);
}

/** checkShardRefusal asserts that a start with another shard count fails with a clear message. */
async function checkShardRefusal(input: Parameters<typeof startTemporalServer>[0]) {
  const mark = Date.now();
  try {
    const server = await startTemporalServer({ ...input, log: () => {} });
    await server.stop();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    assert(message.includes('history shards'), `shard refusal message: ${message}`);
    log(
      `a start with ${input.historyShards} shards is refused in ${Date.now() - mark} ms: ` +
        message.split('.')[0],
    );
    return;
  }
  throw new Error(`a start with ${input.historyShards} shards was accepted`);
}

function assert(condition: boolean, what: string): void {
  if (!condition) throw new Error(`check failed: ${what}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
