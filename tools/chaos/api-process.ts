import path from 'node:path';
import { sleep, spawnTsEntry, type TsChild } from '../process';
import { freePort } from '../stack/local-stack';
import { PROJECT_ROOT } from '../stack/temporal-cli';

/** PORT_ATTEMPTS_MAX bounds the ports tried when another process takes the chosen one. */
const PORT_ATTEMPTS_MAX = 3;

/** UNHANDLED_SAMPLES_MAX bounds the `unhandled error` log lines kept. */
const UNHANDLED_SAMPLES_MAX = 10;

/**
 * ApiProcess runs the production API entry (`api/server.ts`) as its own process
 * (tools/process.ts spawnTsEntry), as the bench and docker-compose do, and keeps the
 * `unhandled error` lines it logs (each one is a 500 the chaos run reports with its stack).
 */
export class ApiProcess {
  private child: TsChild | undefined;
  /** unhandled are the first UNHANDLED_SAMPLES_MAX `unhandled error` log lines. */
  readonly unhandled: string[] = [];

  private port = 0;

  constructor(private readonly input: { env: Record<string, string> }) {}

  /** url is the API's base URL (once started). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** exitedAs is how the process exited (its code or signal), once it has. */
  get exitedAs(): string | undefined {
    return this.child?.exited();
  }

  /**
   * start spawns `node --import tsx api/server.ts` on a free port and resolves once GET /readyz
   * answers 200. A port taken between choosing it and listening (the dev server opens ports of
   * its own) is chosen again, up to PORT_ATTEMPTS_MAX.
   * @throws Error with the output tail when it exits first or is not ready within `readyTimeoutMs`.
   */
  async start(readyTimeoutMs: number): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      this.port = await freePort();
      try {
        await this.spawnAndWait(readyTimeoutMs);
        return;
      } catch (err) {
        if (attempt >= PORT_ATTEMPTS_MAX || !isPortTaken(err)) throw err;
      }
    }
  }

  private async spawnAndWait(readyTimeoutMs: number): Promise<void> {
    this.child = await spawnTsEntry({
      name: 'the API',
      entry: path.join(PROJECT_ROOT, 'api', 'server.ts'),
      env: { ...this.input.env, PORT: String(this.port) },
      ready: async () =>
        fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2_000) })
          .then((res) => res.status === 200)
          .catch(() => false),
      readyTimeoutMs,
      echo: (line) => this.record(line),
    });
  }

  /**
   * killAndRestart SIGKILLs the API (its in-flight requests lose their connections, their keys
   * stay claimed until the lease runs out) and starts it again on the same port, so clients
   * retrying the same URL reach the new process. A port still held by the dead process's
   * sockets is tried again, up to PORT_ATTEMPTS_MAX times one second apart.
   * @throws Error with the output tail when the new process does not become ready.
   */
  async killAndRestart(readyTimeoutMs: number): Promise<void> {
    await this.child?.kill();
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.spawnAndWait(readyTimeoutMs);
        return;
      } catch (err) {
        if (attempt >= PORT_ATTEMPTS_MAX || !isPortTaken(err)) throw err;
        await sleep(1_000);
      }
    }
  }

  /** outputTail is the end of the process's output (for an error message). */
  outputTail(): string {
    return this.child?.outputTail() ?? '';
  }

  /** stop sends SIGTERM and, after 15 s, SIGKILL; resolves once the process has exited. */
  async stop(): Promise<void> {
    await this.child?.stop();
  }

  private record(line: string): void {
    if (line.includes('"msg":"unhandled error"') && this.unhandled.length < UNHANDLED_SAMPLES_MAX)
      this.unhandled.push(line.slice(0, 3_000));
  }
}

/** isPortTaken tells a failed start whose output shows the port was taken (EADDRINUSE). */
function isPortTaken(err: unknown): boolean {
  return err instanceof Error && err.message.includes('EADDRINUSE');
}
