import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { inject } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** CleanupRun is how `npm run cleanup` ended: its exit code and what it printed. */
export interface CleanupRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** runCleanup runs `npm run cleanup`'s script with `args` against the test database. */
export async function runCleanup(args: string[]): Promise<CleanupRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      path.join(ROOT, 'node_modules', '.bin', 'tsx'),
      ['scripts/cleanup.ts', ...args],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: inject('stack').databaseUrl } },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as CleanupRun;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
