import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * ENTRY_EXIT_TIMEOUT_MS bounds one entry's start and exit: tsx compiles the worker's whole
 * import graph first, which takes tens of seconds on a loaded 2-core machine.
 */
const ENTRY_EXIT_TIMEOUT_MS = 120_000;

/**
 * runEntry runs a production entry as `npm run start:api` / `start:worker` do (node with tsx's
 * loader), with this process's environment less JWT_SECRET and NODE_ENV, and resolves with its
 * exit code and output once it exits.
 */
async function runEntry(entry: string): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.JWT_SECRET;
  delete env.NODE_ENV;
  // Addresses nothing listens on: were the entry to get past its configuration, it would fail
  // on connecting instead of serving.
  env.DATABASE_URL = 'postgres://nobody:nothing@127.0.0.1:9/none';
  env.TEMPORAL_ADDRESS = '127.0.0.1:9';
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, entry)], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), ENTRY_EXIT_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return { code, output };
}

describe('the API and worker entries without JWT_SECRET (NODE_ENV unset)', () => {
  it.each(['api/server.ts', 'worker/index.ts'])(
    '%s exits 1 naming JWT_SECRET instead of accepting tokens signed with the public development secret',
    { timeout: ENTRY_EXIT_TIMEOUT_MS + 10_000 },
    async (entry) => {
      const { code, output } = await runEntry(entry);

      expect(code).toBe(1);
      expect(output).toContain('Invalid configuration:');
      expect(output).toContain('JWT_SECRET: required');
    },
  );
});
