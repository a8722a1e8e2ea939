import { DAY_MS } from '../../domain/duration';

/*
 * Couplings between fields that a JSON Schema cannot state, applied to three of four
 * schema-built bodies so that enough requests get past validation to reach the workflows: an
 * order has lines or fromCart (not both) and pays at once only now and then, a stay checks out after it checks in, a bus arrives
 * after it departs, a pause ends after it starts.
 */

/** HOUR_MS is an hour in milliseconds. */
const HOUR_MS = 3_600_000;

/** Shaper adjusts one body in place; `n` is a random natural number for its choices. */
type Shaper = (body: Record<string, unknown>, n: number) => void;

/** later sets `body[to]` to `body[from]` plus `offsetMs` when `body[from]` is a valid time. */
function later(body: Record<string, unknown>, from: string, to: string, offsetMs: number): void {
  const start = body[from];
  if (typeof start !== 'string' || Number.isNaN(Date.parse(start))) return;
  const end = new Date(Date.parse(start) + offsetMs).toISOString();
  body[to] = /^\d{4}-\d{2}-\d{2}$/.test(start) ? end.slice(0, 10) : end;
}

/** SHAPERS are the couplings by operation (`METHOD /template`). */
const SHAPERS: Record<string, Shaper> = {
  'POST /v1/orders': (body, n) => {
    if ('lines' in body && 'fromCart' in body) delete body[n % 4 === 0 ? 'lines' : 'fromCart'];
    // Paying at once from a wallet picked at random is mostly refused: keep it for some.
    if (Math.floor(n / 4) % 2 === 0) delete body.pay;
  },
  'POST /v1/stays': (body, n) => later(body, 'checkIn', 'checkOut', (1 + (n % 5)) * DAY_MS),
  'POST /v1/schedules': (body, n) =>
    later(body, 'departsAt', 'arrivesAt', (1 + (n % 12)) * HOUR_MS),
  'POST /v1/programs/{id}/pauses': (body, n) =>
    later(body, 'startsAt', 'endsAt', (1 + (n % 14)) * DAY_MS),
};

/**
 * shapeBody returns `value` with the couplings of `route` applied, three times in four (by
 * `n`); any other value, or route, is returned as it is.
 */
export function shapeBody(route: string, value: unknown, n: number): unknown {
  const shaper = SHAPERS[route];
  if (!shaper || n % 4 === 0 || !value || typeof value !== 'object' || Array.isArray(value))
    return value;
  const body = { ...(value as Record<string, unknown>) };
  shaper(body, Math.floor(n / 4));
  return body;
}
