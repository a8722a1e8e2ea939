import { sleep } from '../process';
import { DEPENDENCY_OF, type FaultKind, type FaultLog, type FaultRecord } from './fault-log';
import type { Anomalies } from './model';
import { watchReadyz, type DownWindow } from './readyz';
import { isAlive, type ChaosStack } from './stack';

/** WORKER_START_ATTEMPTS_MAX bounds the starts of a killed worker (Temporal may be down). */
const WORKER_START_ATTEMPTS_MAX = 30;

/** FAST_SHUTDOWN are the PostgreSQL faults that stop it with a fast shutdown (SIGINT). */
const FAST_SHUTDOWN: ReadonlySet<FaultKind> = new Set(['pg-fast', 'pg-3m']);

/** FaultPlan says which faults to inject and how they are spaced (all times in ms). */
export interface FaultPlan {
  /** kinds are the faults to inject; the dependency faults take turns in this order. */
  kinds: readonly FaultKind[];
  /** warmupMs passes before the first fault. */
  warmupMs: number;
  /** killEveryMs is the pause between a killed worker running again and the next kill. */
  killEveryMs: number;
  /** gapMs is the pause between two faults of PostgreSQL, Temporal or the proxy. */
  gapMs: number;
  /** holdMs keeps a stopped PostgreSQL or Temporal down before it starts again. */
  holdMs: number;
  /** pauseMs is how long the API's database proxy refuses connections (issue 11: 10 s). */
  pauseMs: number;
  /** lastStartBeforeEndMs: no fault starts later than this before the end of the load. */
  lastStartBeforeEndMs: number;
}

/**
 * FaultInjector injects a plan's faults into a ChaosStack while the workloads run: one lane
 * SIGKILLs the worker every `killEveryMs` and starts it again, another restarts PostgreSQL
 * (fast, immediate), Temporal, and pauses the API's proxy in turn, watching /readyz during each
 * outage. A supervisor restarts a worker that exited on its own (counted, never expected).
 */
export class FaultInjector {
  /** workerExitsUnplanned counts worker processes that exited without being killed. */
  workerExitsUnplanned = 0;
  /** workerOps runs kills, restarts and the supervisor's checks one at a time. */
  private workerOps: Promise<void> = Promise.resolve();
  private stopped = false;
  private running: Promise<void> | undefined;
  private supervising = false;
  private supervisor: Promise<void> | undefined;
  /** workerHeldDown keeps the supervisor from starting a worker stopped on purpose. */
  private workerHeldDown = false;

  constructor(
    private readonly stack: ChaosStack,
    private readonly plan: FaultPlan,
    private readonly faults: FaultLog,
    private readonly anomalies: Anomalies,
    private readonly log: (line: string) => void,
  ) {}

  /** run injects faults until `stopAtMs` (epoch ms); the fault under way then completes. */
  run(stopAtMs: number): Promise<void> {
    this.running = (async () => {
      await sleep(this.plan.warmupMs);
      await Promise.all([this.killLane(stopAtMs), this.infraLane(stopAtMs)]);
    })();
    return this.running;
  }

  /** stop starts no further fault and waits for the one under way (a run that ends early). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running?.catch(() => {});
  }

  /**
   * superviseWorker starts the supervisor: every 500 ms, between kills, it starts the worker
   * again when its process is gone (counted in workerExitsUnplanned), until stopSupervising.
   */
  superviseWorker(): void {
    this.supervising = true;
    this.supervisor = (async () => {
      while (this.supervising) {
        await sleep(500);
        await this.serially(async () => {
          const pid = this.stack.worker.pid;
          if (!this.supervising || this.workerHeldDown) return;
          if (pid !== undefined && isAlive(pid)) return;
          this.workerExitsUnplanned += 1;
          this.log(`worker ${pid} exited on its own; starting it again`);
          await this.stack.startWorker(WORKER_START_ATTEMPTS_MAX);
        });
      }
    })();
  }

  /** stopSupervising stops the supervisor and waits for a restart it runs. */
  async stopSupervising(): Promise<void> {
    this.supervising = false;
    await this.supervisor;
  }

  /** serially runs `op` after every worker operation queued before it. */
  private serially(op: () => Promise<void>): Promise<void> {
    const next = this.workerOps.then(op);
    this.workerOps = next.catch((err: Error) =>
      this.log(`worker operation failed: ${err.message}`),
    );
    return next;
  }

  private deadlinePassed(stopAtMs: number): boolean {
    return this.stopped || Date.now() > stopAtMs - this.plan.lastStartBeforeEndMs;
  }

  private async killLane(stopAtMs: number): Promise<void> {
    if (!this.plan.kinds.includes('kill')) return;
    while (!this.deadlinePassed(stopAtMs)) {
      const record = this.faults.begin('kill');
      try {
        await this.serially(async () => {
          await this.stack.worker.kill();
          await this.stack.startWorker(WORKER_START_ATTEMPTS_MAX);
        });
      } catch (err) {
        record.error = (err as Error).message;
      } finally {
        this.faults.end(record);
      }
      await sleep(Math.min(this.plan.killEveryMs, Math.max(0, stopAtMs - Date.now())));
    }
  }

  private async infraLane(stopAtMs: number): Promise<void> {
    // The dependency faults take turns in the plan's order; worker kills run beside them.
    const kinds = this.plan.kinds.filter((kind) => kind !== 'kill');
    for (let turn = 0; kinds.length > 0; turn += 1) {
      if (this.deadlinePassed(stopAtMs)) return;
      await this.injectOutage(kinds[turn % kinds.length]!, this.plan.holdMs);
      await sleep(this.plan.gapMs);
    }
  }

  /**
   * holdWorkerDown SIGKILLs the worker and keeps every worker down for `holdMs` (the supervisor
   * waits meanwhile), then starts it again; recorded as a `workers-10m` fault.
   */
  async holdWorkerDown(holdMs: number): Promise<void> {
    const record = this.faults.begin('workers-10m');
    this.log(`fault workers-10m: no worker for ${Math.round(holdMs / 1000)} s`);
    try {
      await this.serially(async () => {
        this.workerHeldDown = true;
        await this.stack.worker.kill();
      });
      await sleep(holdMs);
      await this.serially(() => this.stack.startWorker(WORKER_START_ATTEMPTS_MAX));
    } catch (err) {
      record.error = (err as Error).message;
      this.log(`fault workers-10m failed: ${record.error}`);
    } finally {
      this.workerHeldDown = false;
      this.faults.end(record);
    }
  }

  /**
   * injectOutage injects one dependency fault that keeps its dependency down for `holdMs`
   * (a restart; the proxy's pause lasts `pauseMs`), watching /readyz while it lasts.
   */
  async injectOutage(kind: FaultKind, holdMs: number): Promise<void> {
    const record = this.faults.begin(kind);
    const window: DownWindow = {};
    const watcher = watchReadyz({
      apiUrl: this.stack.apiUrl,
      dependency: DEPENDENCY_OF[kind]!,
      record,
      window,
      anomalies: this.anomalies,
    });
    this.log(`fault ${kind}`);
    try {
      await this.outage(kind, holdMs, window);
    } catch (err) {
      record.error = (err as Error).message;
      this.log(`fault ${kind} failed: ${record.error}`);
    } finally {
      this.faults.end(record);
      await watcher.stop();
    }
    this.noteReadyz(record);
  }

  /** outage takes the fault's dependency down and brings it back, marking `window`. */
  private async outage(kind: FaultKind, holdMs: number, window: DownWindow): Promise<void> {
    const { pauseMs } = this.plan;
    const down = () => {
      window.fromMs = Date.now();
    };
    const up = () => {
      window.toMs = Date.now();
    };
    switch (kind) {
      case 'pg-fast':
      case 'pg-immediate':
      case 'pg-3m':
      case 'pg-10m':
        // The long outages take both shutdowns too: 3 minutes after a fast one, 10 after a crash.
        await this.stack.restartPostgres(FAST_SHUTDOWN.has(kind) ? 'fast' : 'immediate', {
          holdMs,
          down,
          up,
        });
        return;
      case 'temporal':
      case 'temporal-2m':
        await this.stack.restartTemporal({ holdMs, down, up });
        return;
      case 'db-pause':
        down();
        this.stack.proxy.pause(pauseMs);
        await sleep(pauseMs);
        up();
        return;
      case 'kill':
      case 'workers-10m':
      case 'api-restart':
        throw new Error(`${kind} is not a dependency outage`);
    }
  }

  /** noteReadyz records an anomaly when /readyz never said so, or said ready, during an outage. */
  private noteReadyz(record: FaultRecord): void {
    const dependency = DEPENDENCY_OF[record.kind];
    if (record.error !== undefined) return;
    if (record.readyzSaidDown === 0)
      this.anomalies.add(
        '/readyz did not report the outage',
        `${record.kind}: ${record.readyzPolls} polls, none answered 503 with ${dependency} unreachable`,
      );
    if (record.readyzSaidReady > 0)
      this.anomalies.add(
        '/readyz did not report the outage',
        `${record.kind}: ${record.readyzSaidReady} polls answered 200 while ${dependency} was down`,
      );
  }
}
