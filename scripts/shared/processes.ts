import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { PROJECT_ROOT } from '../../lib/temporal-cli';
import { sleep } from './async';

/** OUTPUT_TAIL_CHARS bounds how much of a child's output is kept for error messages. */
const OUTPUT_TAIL_CHARS = 8_000;

/** ERROR_SAMPLES_MAX bounds the error lines kept per child for a report. */
const ERROR_SAMPLES_MAX = 20;

/**
 * TsChild is a spawned TypeScript entry (the bench's and `npm run dev`'s API and worker): its
 * pid, the tail of its output, how to stop it.
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
  stop(): Promise<void>;
}

/**
 * spawnTsEntry runs `entry` (a TypeScript file) as `node --import tsx <entry>`, one process
 * whose pid is the real one (test/helpers/worker-process.ts), with `env` added, and resolves
 * once a line of its stdout contains `readyText` (at most `readyTimeoutMs`). `echo` receives
 * every output line as well (`npm run dev` prints them); `cpuProfileDir` writes a V8 CPU
 * profile of the process there when it exits.
 * @throws Error with the output tail when it exits first or the timeout passes.
 */
export async function spawnTsEntry(input: {
  name: string;
  entry: string;
  env: Record<string, string>;
  readyText: string;
  readyTimeoutMs: number;
  echo?: (line: string) => void;
  cpuProfileDir?: string;
}): Promise<TsChild> {
  const profDir = input.cpuProfileDir;
  const profile = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', input.entry], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...input.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let tail = '';
  let warnLines = 0;
  let errorLines = 0;
  const errorSamples: string[] = [];
  let exitedAs: string | undefined;
  const whenExited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => {
      exitedAs = signal ?? `code ${code}`;
      process.removeListener('exit', killOnExit);
      resolve(exitedAs);
    }),
  );
  const record = (isStderr: boolean) => (line: string) => {
    tail = (tail + line + '\n').slice(-OUTPUT_TAIL_CHARS);
    input.echo?.(line);
    const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? 0);
    if (isStderr || level >= 50) {
      errorLines += 1;
      if (errorSamples.length < ERROR_SAMPLES_MAX) errorSamples.push(line.slice(0, 2_000));
    } else if (level >= 40) warnLines += 1;
  };
  createInterface({ input: child.stdout! }).on('line', record(false));
  createInterface({ input: child.stderr! }).on('line', record(true));
  const deadline = Date.now() + input.readyTimeoutMs;
  while (!tail.includes(input.readyText)) {
    if (exitedAs !== undefined || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${input.name} did not start (${exitedAs ?? 'timeout'}):\n${tail}`);
    }
    await sleep(100);
  }
  return {
    name: input.name,
    pid: child.pid!,
    outputTail: () => tail,
    warnLines: () => warnLines,
    errorLines: () => errorLines,
    errorSamples: () => [...errorSamples],
    exited: () => exitedAs,
    whenExited: () => whenExited,
    stop: () => stopChild(child),
  };
}

/** stopChild sends SIGTERM and, after 15 s, SIGKILL; resolves once the process has exited. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
