import pg from 'pg';
import { afterAll, inject } from 'vitest';
import { connectStack, type ApiResult, type TestStack } from './stack';
import { sleep } from '../../tools/process';

/*
 * Helpers for tests of writes that outlive their request: a stack whose requests time out
 * early, a row held FOR UPDATE by another session as a slow writer would, and a retry that
 * waits for the first write to settle (SPEC.md §1, Idempotency-Key).
 */

/**
 * useShortDeadlineStack connects an app to the run's stack whose `/v1` requests answer 503
 * after `requestTimeoutMs` and whose duplicates wait 200 ms at most; closed after the file.
 */
export async function useShortDeadlineStack(requestTimeoutMs: number): Promise<TestStack> {
  const { stack, close } = await connectStack(inject('stack'), {
    requestTimeoutMs,
    idempotencyWaitTimeoutMs: 200,
  });
  afterAll(close);
  return stack;
}

/** LockableTable names the tables a test may hold a row of. */
export type LockableTable = 'products' | 'orders' | 'accounts';

/**
 * holdRow locks the row `id` of `table` FOR UPDATE in a transaction of its own connection for
 * `ms`, as a slow writer would. It resolves once the lock is taken, with `released`, a promise
 * of the commit (wrapped in an object so the caller does not wait for it by awaiting this).
 */
export async function holdRow(stack: TestStack, table: LockableTable, id: string, ms: number) {
  const client = new pg.Client({ connectionString: stack.config.databaseUrl });
  await client.connect();
  await client.query('BEGIN');
  await client.query(`SELECT id FROM ${table} WHERE id = $1 FOR UPDATE`, [id]);
  const released = (async () => {
    await sleep(ms);
    await client.query('COMMIT');
    await client.end();
  })();
  return { released };
}

/**
 * untilSettled retries a keyed request while it answers 409 `idempotency_in_progress` (the
 * first request's write has not settled yet), every 250 ms, at most 60 times.
 */
export async function untilSettled(send: () => Promise<ApiResult>): Promise<ApiResult> {
  let answer = await send();
  for (
    let attempt = 0;
    answer.body?.code === 'idempotency_in_progress' && attempt < 60;
    attempt += 1
  ) {
    await sleep(250);
    answer = await send();
  }
  return answer;
}
