import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../../../lib/local-stack';
import { PROJECT_ROOT } from '../../../lib/temporal-cli';
import { stopChild } from '../worker-process';
import { sleep } from './client';

/** OUTPUT_TAIL_CHARS bounds the output kept for an error message. */
const OUTPUT_TAIL_CHARS = 8_000;

/** PORT_ATTEMPTS_MAX bounds the ports tried when another process takes the chosen one. */
const PORT_ATTEMPTS_MAX = 3;

/** UNHANDLED_SAMPLES_MAX bounds the `unhandled error` log lines kept. */
const UNHANDLED_SAMPLES_MAX = 10;

/**
 * ApiProcess runs the production API entry (`api/server.ts`) as its own process, as the
 * bench and docker-compose do, and keeps the `unhandled error` lines it logs (each one is a
 * 500 the chaos run reports with its stack).
 */
export class ApiProcess {
  private child: ChildProcess | undefined;
  private tail = '';
  /** exitedAs is how the process exited (its code or signal), once it has. */
  exitedAs: string | undefined;
  /** unhandled are the first UNHANDLED_SAMPLES_MAX `unhandled error` log lines. */
  readonly unhandled: string[] = [];

  private port = 0;

  constructor(private readonly input: { env: Record<string, string> }) {}

  /** url is the API's base URL (once started). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * start spawns `node --import tsx api/server.ts` (one process, so its pid is the API's) on a
   * free port and resolves once GET /readyz answers 200. A port taken between choosing it and
   * listening (the dev server opens ports of its own) is chosen again, up to PORT_ATTEMPTS_MAX.
   * @throws Error with the output tail when it exits first or is not ready within `readyTimeoutMs`.
   */
  async start(readyTimeoutMs: number): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      this.port = await freePort();
      try {
        await this.spawnAndWait(readyTimeoutMs);
        return;
      } catch (err) {
        if (attempt >= PORT_ATTEMPTS_MAX || !this.tail.includes('EADDRINUSE')) throw err;
        this.tail = '';
      }
    }
  }

  private async spawnAndWait(readyTimeoutMs: number): Promise<void> {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(PROJECT_ROOT, 'api', 'server.ts')],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, ...this.input.env, PORT: String(this.port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    this.exitedAs = undefined;
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', (code, signal) => {
      this.exitedAs = signal ?? `code ${code}`;
      process.removeListener('exit', killOnExit);
    });
    for (const stream of [child.stdout!, child.stderr!])
      createInterface({ input: stream }).on('line', (line) => this.record(line));
    const deadline = Date.now() + readyTimeoutMs;
    while (Date.now() < deadline) {
      if (this.exitedAs !== undefined)
        throw new Error(`the API exited before it was ready:\n${this.tail}`);
      const status = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2_000) })
        .then((res) => res.status)
        .catch(() => 0);
      if (status === 200) return;
      await sleep(200);
    }
    child.kill('SIGKILL');
    throw new Error(`the API was not ready within ${readyTimeoutMs} ms:\n${this.tail}`);
  }

  /**
   * killAndRestart SIGKILLs the API (its in-flight requests lose their connections, their keys
   * stay claimed until the lease runs out) and starts it again on the same port, so clients
   * retrying the same URL reach the new process. A port still held by the dead process's
   * sockets is tried again, up to PORT_ATTEMPTS_MAX times one second apart.
   * @throws Error with the output tail when the new process does not become ready.
   */
  async killAndRestart(readyTimeoutMs: number): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.spawnAndWait(readyTimeoutMs);
        return;
      } catch (err) {
        if (attempt >= PORT_ATTEMPTS_MAX || !this.tail.includes('EADDRINUSE')) throw err;
        this.tail = '';
        await sleep(1_000);
      }
    }
  }

  /** outputTail is the end of the process's output (for an error message). */
  outputTail(): string {
    return this.tail;
  }

  /** stop sends SIGTERM and, after 15 s, SIGKILL; resolves once the process has exited. */
  async stop(): Promise<void> {
    await stopChild(this.child);
  }

  private record(line: string): void {
    this.tail = (this.tail + line + '\n').slice(-OUTPUT_TAIL_CHARS);
    if (line.includes('"msg":"unhandled error"') && this.unhandled.length < UNHANDLED_SAMPLES_MAX)
      this.unhandled.push(line.slice(0, 3_000));
  }
}
