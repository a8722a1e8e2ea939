import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from '../../api/server';
import { useStack, type TestStack } from '../helpers/stack';

/*
 * The README's "Try it" is the first thing a newcomer runs: this test runs its shell block as
 * written against a real API on the test stack and compares what it prints with the output the
 * README shows, so the two cannot drift apart.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** TRY_IT_TIMEOUT_MS bounds the pasted block: eleven requests and two token scripts. */
const TRY_IT_TIMEOUT_MS = 120_000;

/** blockAfter returns the first fenced block of `lang` after `heading` in the README. */
function blockAfter(readme: string, heading: string, lang: string): string {
  const from = readme.indexOf(heading);
  const open = readme.indexOf('```' + lang + '\n', from);
  const start = open + lang.length + 4;
  if (from < 0 || open < 0) throw new Error(`README has no ${lang} block after ${heading}`);
  return readme.slice(start, readme.indexOf('```', start));
}

let stack: TestStack;
let api: Awaited<ReturnType<typeof startApi>>;

beforeAll(async () => {
  stack = await useStack();
  api = await startApi({ ...stack.config, port: 0, metricsPort: 0 });
});

afterAll(async () => {
  await api?.stop();
});

describe("README's Try it", () => {
  it(
    'when its block is pasted into bash against a running API, then it prints what the README shows',
    { timeout: TRY_IT_TIMEOUT_MS },
    async () => {
      const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
      const script = blockAfter(readme, '### Try it', 'sh');
      const expected = blockAfter(readme, '### Try it', 'text');

      const { stdout } = await promisify(execFile)('bash', ['-c', script], {
        cwd: ROOT,
        timeout: TRY_IT_TIMEOUT_MS,
        env: {
          ...process.env,
          API: `http://127.0.0.1:${api.port}/v1`,
          JWT_SECRET: stack.config.jwtSecret,
        },
      });

      expect(stdout).toBe(expected);
    },
  );
});
