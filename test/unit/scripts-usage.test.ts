import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/*
 * Every npm script that runs a file of scripts/ answers `--help` with its usage (exit 0) and a
 * command line it does not understand with one error line and the usage on stderr (exit 2),
 * never a stack trace, and before it starts anything. The scripts are spawned as npm runs them
 * (`tsx scripts/….ts`), so a new script in package.json is checked without touching this file.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

/** SCRIPT_TIMEOUT_MS bounds one spawned script: answering --help starts nothing. */
const SCRIPT_TIMEOUT_MS = 120_000;

/** STACK_FRAME matches a line of a stack trace. */
const STACK_FRAME = /^\s+at .+\(?.+:\d+:\d+\)?$/m;

/** Run is how a spawned script ended. */
interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** scriptFiles are package.json's scripts that run a file of scripts/ with tsx: name → file. */
function scriptFiles(): [string, string][] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  return Object.entries(pkg.scripts)
    .map(([name, command]): [string, string | undefined] => [
      name,
      /^tsx (scripts\/\S+\.ts)$/.exec(command)?.[1],
    ])
    .filter((entry): entry is [string, string] => entry[1] !== undefined);
}

/** runScript runs `file` with `args` and `env` as npm would; its exit code and output. */
async function runScript(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, [file, ...args], {
      cwd: ROOT,
      timeout: SCRIPT_TIMEOUT_MS,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as Run;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const scripts = scriptFiles();

describe('the scripts of package.json', () => {
  it('are found', () => {
    expect(scripts.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        'dev',
        'token',
        'demo',
        'cleanup',
        'bench',
        'chaos',
        'migrate',
        'replay',
      ]),
    );
  });
});

// Concurrent (vitest's maxConcurrency, 5): each case is a Node process compiling TypeScript.
describe.concurrent.each(scripts)('npm run %s (%s)', (_name, file) => {
  it(
    'when asked for --help, then it prints its usage and exits 0',
    { timeout: SCRIPT_TIMEOUT_MS },
    async ({ expect }) => {
      const run = await runScript(file, ['--help']);

      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
      expect(run.stdout).toMatch(/^usage: (npm run|npx tsx) /);
    },
  );

  it(
    'when it meets an unknown option, then one error line and the usage go to stderr, exit 2, no stack trace',
    { timeout: SCRIPT_TIMEOUT_MS },
    async ({ expect }) => {
      const run = await runScript(file, ['--no-such-option']);

      expect(run.code).toBe(2);
      const [first, second] = run.stderr.split('\n');
      expect(first).toMatch(/^error: .*--no-such-option/);
      expect(second).toMatch(/^usage: /);
      expect(run.stderr).not.toMatch(STACK_FRAME);
      expect(run.stdout).toBe('');
    },
  );
});

describe('npm run demo', () => {
  it('when no service answers, then it says where it looked and to start npm run dev, in one line without a stack trace, and exits 1', async () => {
    const run = await runScript('scripts/demo/index.ts', [], {
      HOLDFAST_URL: 'http://127.0.0.1:9',
    });

    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      'demo: holdfast is not reachable at http://127.0.0.1:9 (start it with `npm run dev`)',
    );
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });
});

describe('npm run token', () => {
  it('when asked for --help, then the usage names the role, the subject, the seller of an operator and the lifetime', async () => {
    const run = await runScript('scripts/token.ts', ['--help']);

    expect(run.code).toBe(0);
    for (const option of [
      '--role customer|staff|operator',
      '--sub',
      '--seller-id',
      '--ttl-seconds',
    ])
      expect(run.stdout).toContain(option);
  });

  it.each([
    [['--role', 'operator'], '--seller-id is required with --role operator, and only with it'],
    [['--role', 'admin'], '--role must be customer, staff or operator'],
    [['--ttl-seconds', '90000'], '--ttl-seconds must be a whole number of seconds from 1 to 86400'],
    [['--sub', 'not-a-uuid'], '--sub must be a UUID'],
    [['--role'], "Option '--role <value>' argument missing"],
  ])(
    'when the command line is %j, then it says "%s" and exits 2 without a stack trace',
    async (args, error) => {
      const run = await runScript('scripts/token.ts', args);

      expect(run.code).toBe(2);
      expect(run.stderr.split('\n')[0]).toBe(`error: ${error}`);
      expect(run.stderr).not.toMatch(STACK_FRAME);
    },
  );

  it('when an operator names its seller, then it prints a token', async () => {
    const sellerId = '5e9a8d2c-1111-4222-8333-944455556666';

    const run = await runScript('scripts/token.ts', [
      '--role',
      'operator',
      '--seller-id',
      sellerId,
    ]);

    expect(run.code).toBe(0);
    const payload = JSON.parse(
      Buffer.from(run.stdout.trim().split('.')[1]!, 'base64url').toString(),
    );
    expect(payload).toMatchObject({ role: 'operator', sellerId });
  });
});
