import { exitWithUsage, parseCli } from '../shared/cli';
import { createClient, ServiceNotReadyError } from './client';
import { saleScene } from './sale';
import { runScenes, type Scene } from './scene';
import {
  ATTEMPTS_MAX,
  BACKOFF_BASE_MS,
  BASE_URL,
  JWT_SECRET,
  READY_TIMEOUT_MS,
  REQUEST_TIMEOUT_MS,
  isScene,
  USAGE,
  type SceneName,
} from './settings';
import { travelScene } from './travel';

/**
 * `npm run demo`: the flash sale (./sale.ts) against the RUNNING holdfast service, over HTTP
 * only; `--scene travel` runs the bus-seat and hotel-night rush (./travel.ts) instead and
 * `--scene all` both, each on the skeleton of ./scene.ts. Exit code 0 on PASS, 1 on FAIL;
 * `--help` prints the usage, and any other argument prints it with an error and exits 2.
 *
 * Env: HOLDFAST_URL (default http://127.0.0.1:$PORT, PORT default 3000), JWT_SECRET (as the
 * server), DEMO_CUSTOMERS (default 240, at least 200). See ./settings.ts.
 */

/** SCENES_BY_NAME are the scenes each `--scene` value runs, in order. */
const SCENES_BY_NAME: Record<SceneName, readonly Scene<any>[]> = {
  sale: [saleScene],
  travel: [travelScene],
  all: [saleScene, travelScene],
};

/** main runs the chosen scene(s) and exits 0 on PASS, 1 on FAIL, 2 on a bad command line. */
async function main(): Promise<void> {
  const scenes = SCENES_BY_NAME[parseScene()];
  const client = createClient({
    baseUrl: BASE_URL,
    jwtSecret: JWT_SECRET,
    timeoutMs: REQUEST_TIMEOUT_MS,
    readyTimeoutMs: READY_TIMEOUT_MS,
    attemptsMax: ATTEMPTS_MAX,
    backoffBaseMs: BACKOFF_BASE_MS,
  });
  await client.assertReady();
  const staff = await client.newActor('staff');
  process.exit(await runScenes(scenes, client, staff));
}

/** parseScene reads `--scene`; see USAGE. Exits 0 for --help and 2 when it is bad. */
function parseScene(): SceneName {
  const { values } = parseCli(USAGE, { options: { scene: { type: 'string', default: 'sale' } } });
  if (!isScene(values.scene)) exitWithUsage(USAGE, `--scene ${values.scene}: not a scene`);
  return values.scene;
}

main().catch((err) => {
  // A service that is not up is the reader's next step, not a bug: one line, no stack.
  console.error(err instanceof ServiceNotReadyError ? `demo: ${err.message}` : err);
  process.exit(1);
});
