import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../config';

/**
 * The demo's settings, read once from the environment: HOLDFAST_URL (default
 * http://127.0.0.1:$PORT, PORT default 3000), JWT_SECRET (as the server) and DEMO_CUSTOMERS
 * (default 240, at least 200); every other bound is a constant here.
 */

const config = loadConfig();

/** BASE_URL is where the running holdfast answers, without a trailing slash. */
export const BASE_URL = (process.env.HOLDFAST_URL ?? `http://127.0.0.1:${config.port}`).replace(
  /\/+$/,
  '',
);
/** JWT_SECRET signs the demo's tokens; it must be the server's. */
export const JWT_SECRET = config.jwtSecret;
/** CUSTOMER_COUNT is how many buyers take part in the flash sale. */
export const CUSTOMER_COUNT = Math.max(200, Number(process.env.DEMO_CUSTOMERS ?? 240));
/** SETUP_CONCURRENCY bounds in-flight requests during setup, payment, cancel and reads. */
export const SETUP_CONCURRENCY = 20;
/** REQUEST_TIMEOUT_MS bounds one HTTP request. */
export const REQUEST_TIMEOUT_MS = 60_000;
/** READY_TIMEOUT_MS bounds the readiness probe (GET /readyz) before the demo starts. */
export const READY_TIMEOUT_MS = 5_000;
/** ATTEMPTS_MAX bounds retries of a transient refusal (503, 409 idempotency_in_progress). */
export const ATTEMPTS_MAX = 4;
/** BACKOFF_BASE_MS is the retry back-off unit: attempt n waits BACKOFF_BASE_MS × 2^n. */
export const BACKOFF_BASE_MS = 250;
/** RICH_DEPOSIT_MINOR funds a wallet for any cart (max cart 3 lines × 3 units × €129.00). */
export const RICH_DEPOSIT_MINOR = 150_000;
/** EXPIRY_WAIT_LIMIT_MS: wait for expiry only when the last expiry is at most this far away. */
export const EXPIRY_WAIT_LIMIT_MS = 90_000;
/** EXPIRY_POLL_TIMEOUT_MS bounds polling for `expired` after the last expiresAt has passed. */
export const EXPIRY_POLL_TIMEOUT_MS = 60_000;
/** RUN_TAG makes this run's SKUs and names unique. */
export const RUN_TAG = randomUUID().slice(0, 8);
/** SCENES are the demo's scenes: the flash sale (the default), the travel rush, or both in turn. */
export const SCENES = ['sale', 'travel', 'all'] as const;
/** SceneName is one of SCENES. */
export type SceneName = (typeof SCENES)[number];
/** USAGE is printed for --help, and on stderr with exit code 2 for a bad command line. */
export const USAGE = `usage: npm run demo -- [--scene ${SCENES.join('|')}]
  --scene  sale (default): the flash sale; travel: the bus-seat and hotel-night rush; all: both
Runs against the running service over HTTP: HOLDFAST_URL (default http://127.0.0.1:$PORT),
JWT_SECRET (the server's), DEMO_CUSTOMERS (default 240, at least 200).`;

/** isScene tells whether `name` is one of SCENES. */
export function isScene(name: string): name is SceneName {
  return (SCENES as readonly string[]).includes(name);
}
