import { afterAll, inject } from 'vitest';
import type { Config } from '../../config';
import { connectStack, type TestStack } from './app';

export * from './app';

/**
 * useStack connects a test file to the run's shared stack (test/helpers/global-setup.ts) and
 * builds the Hono app with the real worker behind it. `overrides` change config for this app
 * only (a 2 s ORDER_PAYMENT_TTL, say: TTLs travel to workflows as inputs). Closes on afterAll.
 */
export async function useStack(overrides: Partial<Config> = {}): Promise<TestStack> {
  const { stack, close } = await connectStack(inject('stack'), overrides);
  afterAll(close);
  return stack;
}
