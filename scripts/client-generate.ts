import { readFile, writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { generateClientTypes, GENERATED_TYPES_PATH } from '../client/generate';
import { parseCli } from './shared/cli';

/** USAGE is printed for --help, and on stderr with exit code 2 for any argument: it takes none. */
const USAGE = `usage: npm run client:generate
Rewrites client/openapi.ts from the app's OpenAPI document (no server, database or Temporal).`;

/**
 * `npm run client:generate`: rewrites client/openapi.ts, the types of the typed client
 * (client/index.ts), from the app's OpenAPI document, built in-process from the same zod
 * schemas that validate requests (client/generate.ts: no server, database or Temporal needed).
 * Run it after changing a route; test/unit/client.test.ts fails until the file matches.
 */
async function main(): Promise<void> {
  parseCli(USAGE, {});
  const generated = await generateClientTypes();
  const current = await readFile(GENERATED_TYPES_PATH, 'utf8').catch(() => undefined);
  const shown = relative(process.cwd(), GENERATED_TYPES_PATH);
  if (current === generated) {
    console.log(`${shown} is up to date (${generated.split('\n').length} lines)`);
    return;
  }
  await writeFile(GENERATED_TYPES_PATH, generated);
  console.log(`wrote ${shown} (${generated.split('\n').length} lines)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
