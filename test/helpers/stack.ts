import { afterAll, inject } from 'vitest';
import type { Config } from '../../config';
import { connectStack, type ConnectStackOptions, type TestStack } from '../../tools/app';

export * from '../../tools/app';

/**
 * useStack connects a test file to the run's shared stack (test/helpers/global-setup.ts) and
 * builds the Hono app with the real worker behind it. `overrides` change config for this app
 * only (a 2 s ORDER_PAYMENT_TTL, say: TTLs travel to workflows as inputs); `options.logger`
 * receives the app's log lines. Closes on afterAll.
 */
export async function useStack(
  overrides: Partial<Config> = {},
  options: ConnectStackOptions = {},
): Promise<TestStack> {
  const { stack, close } = await connectStack(inject('stack'), overrides, options);
  afterAll(close);
  return stack;
}
