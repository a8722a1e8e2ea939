import { execFile } from 'node:child_process';
import { access, mkdir } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PROJECT_ROOT is the repository root (tools/stack/ is two levels down). */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * TEMPORAL_CLI_MODULE is the Go module installed when no CLI is found. v1.5.1 is the last tag
 * `go install` accepts: later tags carry a replace directive it refuses (ARCHITECTURE.md).
 */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

/** isExecutable tells whether `file` exists and this process may execute it. */
export async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function onPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * findTemporalCli returns the path of a Temporal CLI: `TEMPORAL_CLI_PATH`, then `temporal` on
 * PATH, then `.tools/temporal`; or, when none exists and Go is installed, installs
 * TEMPORAL_CLI_MODULE into `.tools/` with `go install`. Returns undefined when there is no CLI
 * and no Go: callers then fall back to @temporalio/testing's own download.
 * @throws Error when TEMPORAL_CLI_PATH names a missing file, or `go install` fails.
 */
export async function findTemporalCli(
  log: (line: string) => void = () => {},
): Promise<string | undefined> {
  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (await isExecutable(explicit)) return explicit;
    throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not an executable file`);
  }
  const fromPath = await onPath('temporal');
  if (fromPath) return fromPath;
  const toolsDir = path.join(PROJECT_ROOT, '.tools');
  const local = path.join(toolsDir, 'temporal');
  if (await isExecutable(local)) return local;
  const go = await onPath('go');
  if (!go) return undefined;
  log(
    `installing the Temporal CLI with go install ${TEMPORAL_CLI_MODULE} (a few minutes the first time)`,
  );
  await mkdir(toolsDir, { recursive: true });
  await run(go, ['install', TEMPORAL_CLI_MODULE], {
    env: { ...process.env, GOBIN: toolsDir },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 30 * 60_000,
  });
  if (!(await isExecutable(local))) throw new Error(`go install finished but ${local} is missing`);
  return local;
}
