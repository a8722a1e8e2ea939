import type { ChaosClient } from './client';
import type { Anomalies, Outcome } from './model';
import type { Random } from './random';
import type { ChaosWorld } from './seed';
import { sleep } from '../process';

/** WorkloadContext is what every workload's clients share. */
export interface WorkloadContext {
  client: ChaosClient;
  random: Random;
  world: ChaosWorld;
  anomalies: Anomalies;
  /** running tells whether a client may start a new request (false once the load ends). */
  running(): boolean;
}

/**
 * Expected says which answers a request may get: a 2xx whose body `acked` accepts, or a
 * refusal with one of `refusedCodes`. Anything else is an anomaly (a correct service never
 * gives it, faults or not).
 */
export interface Expected {
  acked: (body: any) => boolean;
  refusedCodes: readonly string[];
}

/**
 * checkAnswer records an `unexpected answer or read` anomaly when a definite `outcome` of
 * `what` is not one `expected` allows. Indeterminate outcomes are never checked here.
 */
export function checkAnswer(
  ctx: WorkloadContext,
  what: string,
  outcome: Outcome,
  expected: Expected,
): void {
  if (outcome.kind === 'acked' && !expected.acked(outcome.body))
    ctx.anomalies.add('unexpected answer or read', `${what}: 2xx ${JSON.stringify(outcome.body)}`);
  if (outcome.kind === 'refused' && !expected.refusedCodes.includes(outcome.code))
    ctx.anomalies.add(
      'unexpected answer or read',
      `${what}: ${outcome.status} ${JSON.stringify(outcome.body)}`,
    );
}

/**
 * runClients runs `clientsN` clients of `workload`, each calling `story(clientIndex)` again
 * and again while the load runs, with a pause of up to `thinkMaxMs` between stories.
 */
export async function runClients(
  ctx: WorkloadContext,
  clientsN: number,
  story: (clientIndex: number) => Promise<void>,
  thinkMaxMs = 300,
): Promise<void> {
  const client = async (clientIndex: number) => {
    while (ctx.running()) {
      await story(clientIndex);
      await think(ctx, thinkMaxMs);
    }
  };
  await Promise.all(Array.from({ length: clientsN }, (_, index) => client(index)));
}

/** think pauses a client for a random time up to `maxMs`, as a person between clicks. */
export function think(ctx: WorkloadContext, maxMs: number): Promise<void> {
  return sleep(ctx.random.int(0, maxMs));
}

/** Fate is what a client does with a placed order, booking or payment request. */
export type Fate = 'settle' | 'cancel' | 'settle-then-cancel' | 'leave';

/**
 * pickFate chooses a Fate: settle (pay, confirm, approve) 40 %, cancel 15 %, settle then cancel
 * 15 %, leave it for its timer 30 %.
 */
export function pickFate(ctx: WorkloadContext): Fate {
  const r = ctx.random.next();
  if (r < 0.4) return 'settle';
  if (r < 0.55) return 'cancel';
  if (r < 0.7) return 'settle-then-cancel';
  return 'leave';
}
