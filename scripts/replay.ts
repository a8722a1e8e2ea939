import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../worker/create';
import { exitWithUsage, parseCli } from './shared/cli';

/** USAGE is printed for --help, and on stderr with exit code 2 for a bad command line. */
const USAGE = `usage: npm run replay -- <history.json> [more.json …] [--workflow-id <id>]
  Replays workflow histories against the workflow code of this checkout (bundled now, or
  WORKFLOW_BUNDLE_PATH) and fails on any non-determinism. A history file is what
  'temporal workflow show --workflow-id <id> --output json' prints, or a recorded
  test/replay/histories/*.json ({workflowId, history}). --workflow-id names the run of a CLI
  file (default: the file's name without .json).`;

/** ReplayInput is one history to replay and the workflow ID its run had. */
interface ReplayInput {
  file: string;
  workflowId: string;
  history: ReturnType<typeof historyFromJSON>;
}

/**
 * readHistory reads a CLI history (`{events: […]}`) or a recorded one
 * (`{workflowId, history}`). @throws Error when the file is neither.
 */
async function readHistory(file: string, workflowId: string | undefined): Promise<ReplayInput> {
  const parsed = JSON.parse(await readFile(file, 'utf8')) as {
    events?: unknown[];
    workflowId?: string;
    history?: { events?: unknown[] };
  };
  const raw = parsed.events ? parsed : parsed.history;
  if (!raw?.events) throw new Error(`${file}: no history events (not a workflow history)`);
  return {
    file,
    workflowId: workflowId ?? parsed.workflowId ?? path.basename(file, '.json'),
    history: historyFromJSON(raw),
  };
}

/**
 * `npm run replay`: the deploy check of "Operating holdfast". Before rolling new workers out,
 * replay production histories of the workflow types that changed; a non-determinism error
 * means the change needs `patched()` (or a new workflow type) before it may run old histories.
 */
async function main(): Promise<void> {
  const { values, positionals } = parseCli(USAGE, {
    options: { 'workflow-id': { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals.length === 0) exitWithUsage(USAGE, 'name at least one history file');
  const inputs = await Promise.all(
    positionals.map((file) => readHistory(file, values['workflow-id'])),
  );
  const bundlePath = process.env.WORKFLOW_BUNDLE_PATH;
  const options = bundlePath
    ? { workflowBundle: { codePath: bundlePath } }
    : { workflowsPath: WORKFLOWS_PATH };
  let failed = 0;
  const byWorkflowId = new Map(inputs.map((input) => [input.workflowId, input.file]));
  for await (const result of Worker.runReplayHistories(options, inputs)) {
    const file = byWorkflowId.get(result.workflowId) ?? result.workflowId;
    if (result.error) failed += 1;
    console.log(
      `${result.error ? 'FAIL' : 'ok  '} ${file}${result.error ? `: ${result.error}` : ''}`,
    );
  }
  console.log(`${inputs.length - failed}/${inputs.length} histories replay on this code`);
  if (failed > 0) process.exit(1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
