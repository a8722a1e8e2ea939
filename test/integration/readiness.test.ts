import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { startApi } from '../../api/server';
import { call, useStack, type TestStack } from '../helpers/stack';

/**
 * DRAIN_DELAY_MS is the drain delay of the API started here: long enough that the requests
 * sent right after stop() begins land inside it on a busy machine.
 */
const DRAIN_DELAY_MS = 5_000;

let stack: TestStack;
let idle: TestStack;

beforeAll(async () => {
  stack = await useStack();
  // The same stack, but its app names a task queue no worker polls.
  idle = await useStack({ taskQueue: `nobody-polls-${randomUUID()}` });
});

describe('GET /readyz and the workers (SPEC.md §9)', () => {
  it('when the real worker polls the task queue, then /readyz is 200 and says so', async () => {
    const ready = await call(stack, 'GET', '/readyz');

    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'ready',
      postgres: 'ok',
      temporal: 'ok',
      workers: 'polling',
    });
  });

  it('when no worker polls the task queue, then /readyz is 503 naming the workers, not a dependency', async () => {
    const ready = await call(idle, 'GET', '/readyz');

    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({
      code: 'unavailable',
      postgres: 'ok',
      temporal: 'ok',
      workers: 'none',
    });
    expect(ready.body.detail).toContain(idle.config.taskQueue);
  });
});

describe('draining the API on SIGTERM (api/server.ts)', () => {
  it('when the drain starts, then /readyz answers 503 at once while requests are still served, and the listener closes after', async () => {
    const api = await startApi({
      ...stack.config,
      port: 0,
      metricsPort: 0,
      shutdownDrainDelayMs: DRAIN_DELAY_MS,
    });
    const url = `http://127.0.0.1:${api.port}`;
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    const stopped = api.stop();
    const [readyz, healthz] = await Promise.all([fetch(`${url}/readyz`), fetch(`${url}/healthz`)]);
    await stopped;

    expect(readyz.status).toBe(503);
    expect(await readyz.json()).toMatchObject({ code: 'unavailable', draining: true });
    expect(healthz.status).toBe(200);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
