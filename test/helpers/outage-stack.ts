import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Config } from '../../config';
import { createDb } from '../../db/connection';
import { migrate } from '../../db/migrate';
import {
  freePort,
  startEmbeddedPostgres,
  startTemporalDevServer,
  type RunningService,
} from '../../tools/stack/local-stack';
import { connectStack, type TestStack } from '../../tools/app';
import { WorkerProcess } from '../../tools/worker-process';
import { sleep } from '../../tools/process';

/*
 * A stack of a test file's own, for tests that take a dependency away: its own embedded
 * PostgreSQL (data kept on disk, so it can stop and start again), Temporal dev server and
 * worker process, and the Hono app connected to them. The run's shared stack
 * (test/helpers/global-setup.ts) is never stopped.
 */

/** OutageStack is a private stack whose PostgreSQL, Temporal and worker a test may stop. */
export interface OutageStack {
  /** stack is the app, its database and a Temporal client, as useStack gives them. */
  stack: TestStack;
  /** databaseUrl is the private PostgreSQL's connection URL (the same after every restart). */
  databaseUrl: string;
  worker: WorkerProcess;
  /** stopPostgres asks PostgreSQL for a fast shutdown (SIGINT) and waits until it has exited. */
  stopPostgres(): Promise<void>;
  /** startPostgres starts PostgreSQL again on the same port and data directory. */
  startPostgres(): Promise<void>;
  /** close stops the worker, the connections and both servers, and deletes their data. */
  close(): Promise<void>;
}

/** OutageStackInput names the worker's task queue, the run's bundle and the config overrides. */
export interface OutageStackInput {
  /** taskQueue is this stack's own task queue (its Temporal server is its own too). */
  taskQueue: string;
  /** workflowBundlePath is the run's workflow bundle (`inject('stack').workflowBundlePath`). */
  workflowBundlePath: string;
  /** overrides change the app's config (short TTLs travel to workflows as inputs). */
  overrides?: Partial<Config>;
}

/**
 * startOutageStack starts a private PostgreSQL (migrated) and Temporal dev server on free ports,
 * the production worker entry as a child process, and the app against them (about 10 s).
 * Call `close()` in afterAll.
 */
export async function startOutageStack(input: OutageStackInput): Promise<OutageStack> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'holdfast-outage-'));
  await chmod(dir, 0o755);
  const pgPort = await freePort();
  const startPg = () =>
    startEmbeddedPostgres({
      dataDir: path.join(dir, 'pg'),
      port: pgPort,
      database: 'holdfast',
      persistent: true,
    });
  const [firstPg, temporal] = await Promise.all([
    startPg(),
    freePort().then((port) => startTemporalDevServer({ port })),
  ]);
  let pg: RunningService = firstPg;
  await migrateAt(pg.url);
  const provided = {
    databaseUrl: pg.url,
    temporalAddress: temporal.url,
    taskQueue: input.taskQueue,
  };
  const worker = new WorkerProcess({ ...provided, workflowBundlePath: input.workflowBundlePath });
  await worker.start();
  const { stack, close: closeStack } = await connectStack(provided, input.overrides);
  return {
    stack,
    databaseUrl: pg.url,
    worker,
    stopPostgres: () => pg.stop(),
    startPostgres: async () => {
      pg = await startPg();
    },
    close: async () => {
      await worker.stop();
      await closeStack();
      await temporal.stop();
      await pg.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** migrateAt runs the migrations against `databaseUrl` over a short-lived connection. */
async function migrateAt(databaseUrl: string): Promise<void> {
  const db = createDb({
    databaseUrl,
    dbPoolMax: 2,
    dbLockTimeoutMs: 5_000,
    dbStatementTimeoutMs: 8_000,
  });
  try {
    await migrate(db.sequelize);
  } finally {
    await db.sequelize.close();
  }
}

/**
 * pollUntil runs `probe` every `intervalMs` (default 1 s) until it returns true or `timeoutMs`
 * has passed, and says whether it did. A probe that throws (a database still starting, a pool
 * holding connections of the server that was stopped) counts as false.
 */
export async function pollUntil(
  probe: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 1_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await probe().catch(() => false);
    if (ok) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

/**
 * workflowStatusName describes one workflow: `RUNNING`, `COMPLETED` …, and for a failed run
 * `FAILED: <type>: <message>: <cause>` as far as its failure says, so a failing test says why.
 */
export async function workflowStatusName(temporal: Client, workflowId: string): Promise<string> {
  const handle = temporal.workflow.getHandle(workflowId);
  const { status } = await handle.describe();
  if (status.name !== 'FAILED') return status.name;
  type Failure = { type?: string; message?: string; cause?: Failure };
  const failure = await handle.result().then(
    () => undefined,
    (err: { cause?: Failure }) => err.cause,
  );
  const said = [failure?.type, failure?.message, failure?.cause?.message].filter(Boolean);
  return `FAILED: ${said.join(': ')}`;
}

/**
 * closedBadly lists, as `<workflowId> <STATUS>`, the namespace's runs that failed, were
 * terminated or timed out (at most 100): after an outage SPEC.md §10 expects none.
 */
export async function closedBadly(temporal: Client): Promise<string[]> {
  const found: string[] = [];
  const runs = temporal.workflow.list({
    query:
      'ExecutionStatus = "Failed" OR ExecutionStatus = "Terminated" OR ExecutionStatus = "TimedOut"',
  });
  for await (const run of runs) {
    found.push(`${run.workflowId} ${run.status.name}`);
    if (found.length >= 100) break;
  }
  return found;
}
