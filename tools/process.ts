import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { PROJECT_ROOT } from './stack/temporal-cli';

/*
 * The one way the tools (tools/, scripts/, test/helpers/) start, stop and wait on child
 * processes, and the one sleep they share. Product code keeps its own waits: it never imports
 * tools/.
 */

/** STOP_GRACE_MS is how long stopChild waits after SIGTERM before it sends SIGKILL. */
export const STOP_GRACE_MS = 15_000;

/** STOP_STEP_TIMEOUT_MS bounds each step of a StopSteps run. */
const STOP_STEP_TIMEOUT_MS = 20_000;

/** OUTPUT_TAIL_CHARS bounds how much of a child's output is kept for error messages. */
const OUTPUT_TAIL_CHARS = 8_000;

/** ERROR_SAMPLES_MAX bounds the error lines kept per child for a report. */
const ERROR_SAMPLES_MAX = 20;

/** READY_POLL_MS is how often spawnTsEntry checks whether a child is ready. */
const READY_POLL_MS = 100;

/** sleep resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** hasExited tells whether `child` has exited (by a code or a signal). */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** waitForExit resolves once `child` has exited (at once when it already has). */
export function waitForExit(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * stopChild sends `child` SIGTERM and, after `graceMs`, SIGKILL; resolves once it has exited
 * (at once when there is none or it already exited).
 */
export async function stopChild(
  child: ChildProcess | undefined,
  graceMs = STOP_GRACE_MS,
): Promise<void> {
  if (!child || hasExited(child)) return;
  const exited = waitForExit(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** killChild sends `child` SIGKILL (no graceful shutdown) and resolves once it has exited. */
export async function killChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || hasExited(child)) return;
  const exited = waitForExit(child);
  child.kill('SIGKILL');
  await exited;
}

/**
 * killWithParent SIGKILLs `child` when this process exits first, however it ends (an error, a
 * signal to it alone), so no server or worker is left orphaned.
 */
export function killWithParent(child: ChildProcess): void {
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
}

/**
 * TsChild is a spawned TypeScript entry (the API, the worker, the bench's servers): its pid,
 * the tail of its output, how to stop it.
 */
export interface TsChild {
  name: string;
  pid: number;
  /** outputTail is the last OUTPUT_TAIL_CHARS of its stdout and stderr. */
  outputTail(): string;
  /** warnLines counts output lines at pino level warn (40). */
  warnLines(): number;
  /** errorLines counts output lines at pino level error or above (50+) and stderr lines. */
  errorLines(): number;
  /** errorSamples are the first ERROR_SAMPLES_MAX of those lines. */
  errorSamples(): string[];
  /** exited is set once the process has exited (its code or signal). */
  exited(): string | undefined;
  /** whenExited resolves with how the process exited (its code or signal), once it has. */
  whenExited(): Promise<string>;
  /** stop sends SIGTERM and, after STOP_GRACE_MS, SIGKILL; resolves once it has exited. */
  stop(): Promise<void>;
  /** kill sends SIGKILL; resolves once it has exited. */
  kill(): Promise<void>;
}

/** SpawnTsInput says what spawnTsEntry runs and when the child counts as ready. */
export interface SpawnTsInput {
  name: string;
  /** entry is the TypeScript file run (absolute, or relative to PROJECT_ROOT). */
  entry: string;
  env: Record<string, string>;
  /** ready is a text a line of its output contains once ready, or a check polled until true. */
  ready: string | (() => Promise<boolean>);
  readyTimeoutMs: number;
  /** echo receives every output line as well (`npm run dev` prints them). */
  echo?: (line: string) => void;
  /** cpuProfileDir writes a V8 CPU profile of the process there when it exits. */
  cpuProfileDir?: string;
}

/**
 * spawnTsEntry runs `entry` as `node --import tsx <entry>`, one process whose pid is the real
 * one (the `tsx` launcher would run it as its own child, and a SIGKILL to the launcher would
 * leave the real process running), with `env` added, and resolves once it is `ready` (at most
 * `readyTimeoutMs`). The child is killed if this process exits without stopping it.
 * @throws Error with the output tail when it exits first or the timeout passes.
 */
export async function spawnTsEntry(input: SpawnTsInput): Promise<TsChild> {
  const profDir = input.cpuProfileDir;
  const profile = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', input.entry], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...input.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killWithParent(child);
  const output = watchOutput(child, input.echo);
  const { ready } = input;
  const isReady =
    typeof ready === 'string' ? async () => output.outputTail().includes(ready) : ready;
  const deadline = Date.now() + input.readyTimeoutMs;
  while (!(await isReady())) {
    if (output.exited() !== undefined || Date.now() > deadline) {
      await killChild(child);
      throw new Error(
        `${input.name} did not start (${output.exited() ?? 'timeout'}):\n${output.outputTail()}`,
      );
    }
    await sleep(READY_POLL_MS);
  }
  return {
    name: input.name,
    pid: child.pid!,
    ...output,
    stop: () => stopChild(child),
    kill: () => killChild(child),
  };
}

type OutputWatch = Pick<
  TsChild,
  'outputTail' | 'warnLines' | 'errorLines' | 'errorSamples' | 'exited' | 'whenExited'
>;

/** watchOutput keeps `child`'s output tail, counts its warn and error lines, notes its exit. */
function watchOutput(child: ChildProcess, echo?: (line: string) => void): OutputWatch {
  let tail = '';
  let warnLines = 0;
  let errorLines = 0;
  const errorSamples: string[] = [];
  let exitedAs: string | undefined;
  const whenExited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => {
      exitedAs = signal ?? `code ${code}`;
      resolve(exitedAs);
    }),
  );
  const record = (isStderr: boolean) => (line: string) => {
    tail = (tail + line + '\n').slice(-OUTPUT_TAIL_CHARS);
    echo?.(line);
    const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? 0);
    if (isStderr || level >= 50) {
      errorLines += 1;
      if (errorSamples.length < ERROR_SAMPLES_MAX) errorSamples.push(line.slice(0, 2_000));
    } else if (level >= 40) warnLines += 1;
  };
  createInterface({ input: child.stdout! }).on('line', record(false));
  createInterface({ input: child.stderr! }).on('line', record(true));
  return {
    outputTail: () => tail,
    warnLines: () => warnLines,
    errorLines: () => errorLines,
    errorSamples: () => [...errorSamples],
    exited: () => exitedAs,
    whenExited: () => whenExited,
  };
}

/**
 * StopSteps collects the stop steps of everything a tool started (servers, workers, pools) and
 * runs them once, newest first, whether the tool ends, fails or is interrupted (Ctrl-C). A step
 * that fails or takes over STOP_STEP_TIMEOUT_MS is reported and skipped: one hung server never
 * keeps the others running, and after Ctrl-C the terminal's SIGINT may have stopped a server
 * already, so a stop that waits for its exit would wait forever.
 */
export class StopSteps {
  private readonly steps: { name: string; run: () => Promise<unknown> }[] = [];
  private running: Promise<void> | undefined;

  /** `label` prefixes the report of a failed step (`cleanup`, `teardown`). */
  constructor(private readonly label = 'stop') {}

  /** add registers a stop step. */
  add(name: string, run: () => Promise<unknown>): void {
    this.steps.push({ name, run });
  }

  /**
   * runAll runs every step registered so far, once (a call during a run awaits that run; steps
   * added later wait for the next call); `log` hears about failed steps.
   */
  runAll(log: (line: string) => void = (line) => console.error(line)): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.splice(0).reverse()) {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out')), STOP_STEP_TIMEOUT_MS);
        });
        try {
          await Promise.race([step.run(), timeout]);
        } catch (err) {
          log(`${this.label}: ${step.name}: ${(err as Error).message}`);
        } finally {
          clearTimeout(timer);
        }
      }
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }
}
