import type { Actor } from '../../tools/actors';
import { newBar } from '../shared/progress';
import type { DemoClient } from './client';
import { RUN_TAG } from './settings';
import { heading } from './report';
import { watchWebhooks, type Placed } from './webhooks';

/**
 * The skeleton both demo scenes run on: a Scene plays its numbered steps (seed, rush, settle),
 * prints its report sections and returns its end-state checks; runScene prints the header,
 * the steps, the checks and the PASS/FAIL line the same way for every scene.
 */

/** Check is one named PASS/FAIL condition; `detail` names the figures compared or the problems. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** check builds a Check that holds when `problems` is empty: its detail is then `figures`, else the problems. */
export function check(name: string, problems: readonly string[], figures: string): Check {
  return { name, ok: problems.length === 0, detail: problems.join('; ') || figures };
}

/**
 * SceneContext is what a scene runs with: the client, a staff actor, `step` (prints the next
 * numbered heading, then runs `run`) and `record` (keeps a step's checks; undefined is skipped).
 */
export interface SceneContext {
  client: DemoClient;
  staff: Actor;
  step<T>(title: string, run: () => Promise<T>): Promise<T>;
  record(...checks: (Check | undefined)[]): void;
}

/**
 * Scene is one demo scene. `play` runs its steps through `ctx.step` and returns S, what its
 * report reads; `report` prints the report sections and returns the end-state checks, listed
 * before the steps' own. `title` and `cast` word the header, `stepPrefix` goes before each
 * step's number, `checksTitle` heads the checks and `verdict` is what the PASS/FAIL line claims.
 * `placed` names the subjects the scene placed, whose events its webhook receiver must get.
 */
export interface Scene<S> {
  title: string;
  cast: string;
  stepPrefix: string;
  checksTitle: string;
  verdict: string;
  play(ctx: SceneContext): Promise<S>;
  report(ctx: SceneContext, state: S): Promise<Check[]>;
  placed(state: S): Placed;
}

/** printCheck prints one check line: `[ok] name (figures)` or `[FAIL] name: problems` (cut at 2,000 characters). */
export function printCheck(c: Check): void {
  const detail = c.ok ? ` (${c.detail})` : `: ${c.detail.slice(0, 2000)}`;
  console.log(`  [${c.ok ? 'ok' : 'FAIL'}] ${c.name}${detail}`);
}

/** printVerdict prints the checks under `title` and the PASS/FAIL line naming `verdict`; returns whether all passed. */
export function printVerdict(title: string, verdict: string, checks: readonly Check[]): boolean {
  heading(title);
  checks.forEach(printCheck);
  const passedCount = checks.filter((c) => c.ok).length;
  const passed = passedCount === checks.length;
  console.log(`\n${passed ? 'PASS' : 'FAIL'}: ${verdict} (${passedCount}/${checks.length} checks)`);
  return passed;
}

/**
 * runScene plays `scene` against the service: header, a webhook receiver (./webhooks.ts),
 * numbered steps, report, the events received, checks; resolves true on PASS.
 */
export async function runScene<S>(
  scene: Scene<S>,
  client: DemoClient,
  staff: Actor,
): Promise<boolean> {
  console.log(`${scene.title} against ${client.baseUrl} (run ${RUN_TAG}, ${scene.cast})`);
  const stepChecks: Check[] = [];
  let stepCount = 0;
  const ctx: SceneContext = {
    client,
    staff,
    step: (title, run) => {
      stepCount += 1;
      heading(`${scene.stepPrefix}${stepCount}. ${title}`);
      return run();
    },
    record: (...checks) => {
      for (const c of checks) if (c) stepChecks.push(c);
    },
  };
  const webhooks = await watchWebhooks(client, staff);
  try {
    const state = await scene.play(ctx);
    const checks = [...(await scene.report(ctx, state)), ...stepChecks];
    checks.push(await webhooks.finish(scene.placed(state)));
    return printVerdict(scene.checksTitle, scene.verdict, checks);
  } finally {
    await webhooks.close();
  }
}

/** runScenes plays every scene in turn, even after a FAIL; returns the exit code: 0 when all passed, else 1. */
export async function runScenes(
  scenes: readonly Scene<any>[],
  client: DemoClient,
  staff: Actor,
): Promise<number> {
  let passed = true;
  for (const scene of scenes) passed = (await runScene(scene, client, staff)) && passed;
  return passed ? 0 : 1;
}

/** Rush is a burst's answers, in the order of its items, and its wall time in milliseconds. */
export interface Rush<R> {
  results: R[];
  wallMs: number;
}

/** rush sends one request per item all at once (Promise.all) under a progress bar named `label`. */
export async function rush<T, R>(
  label: string,
  items: readonly T[],
  send: (item: T) => Promise<R>,
): Promise<Rush<R>> {
  const bar = newBar(label, items.length);
  try {
    const startedAt = performance.now();
    const results = await Promise.all(
      items.map((item) => send(item).finally(() => bar.increment())),
    );
    return { results, wallMs: performance.now() - startedAt };
  } finally {
    bar.stop();
  }
}
