/*
 * What the chaos run injected and what was seen meanwhile: one record per fault, with its
 * downtime, the /readyz polls made while a dependency was down, and the API's answers then.
 */

/** FAULT_KINDS are the faults of the default chaos run, which --faults chooses from (issue 11). */
export const FAULT_KINDS = ['kill', 'pg-fast', 'pg-immediate', 'temporal', 'db-pause'] as const;

/**
 * LONG_FAULT_KINDS are the faults of `--long` (issue 17 item 8), injected once each in this
 * order; each name carries its nominal downtime, which --long-scale shrinks.
 */
export const LONG_FAULT_KINDS = [
  'pg-3m',
  'pg-10m',
  'temporal-2m',
  'workers-10m',
  'api-restart',
] as const;

/**
 * FaultKind is one fault: `kill` SIGKILLs the worker and starts it again; `pg-fast` and
 * `pg-immediate` restart PostgreSQL after a fast (SIGINT) or immediate (SIGQUIT) shutdown;
 * `temporal` stops the file-backed Temporal dev server and starts it again on its file;
 * `db-pause` makes the API's database proxy refuse and cut every connection for a while.
 * The long ones: `pg-3m` (fast) and `pg-10m` (immediate) keep PostgreSQL down for minutes,
 * `temporal-2m` the dev server, `workers-10m` every worker while timers come due, and
 * `api-restart` SIGKILLs the API with requests in flight and starts it again on its port.
 */
export type FaultKind = (typeof FAULT_KINDS)[number] | (typeof LONG_FAULT_KINDS)[number];

/** ALL_FAULT_KINDS lists every FaultKind in report order. */
export const ALL_FAULT_KINDS: readonly FaultKind[] = [...FAULT_KINDS, ...LONG_FAULT_KINDS];

/** DEPENDENCY_OF names the /readyz member a fault takes down (none for a worker or the API). */
export const DEPENDENCY_OF: Record<FaultKind, 'postgres' | 'temporal' | undefined> = {
  kill: undefined,
  'pg-fast': 'postgres',
  'pg-immediate': 'postgres',
  temporal: 'temporal',
  'db-pause': 'postgres',
  'pg-3m': 'postgres',
  'pg-10m': 'postgres',
  'temporal-2m': 'temporal',
  'workers-10m': undefined,
  'api-restart': undefined,
};

/** PART_OF names the part of the stack a fault takes down, for the report. */
export const PART_OF: Record<FaultKind, string> = {
  ...(DEPENDENCY_OF as Record<FaultKind, string>),
  kill: 'worker',
  'workers-10m': 'worker',
  'api-restart': 'api',
};

/**
 * FaultRecord is one injected fault: when it began, how long its component was down (ms),
 * what /readyz answered meanwhile (polls, 503s naming the dependency unreachable, 200s that
 * began and ended inside the outage), and the API's 503 and other 5xx answers in that time.
 */
export interface FaultRecord {
  kind: FaultKind;
  startedAtMs: number;
  downMs: number;
  readyzPolls: number;
  readyzSaidDown: number;
  readyzSaidReady: number;
  answers503: number;
  answers5xx: number;
  /** error is set when the fault could not be injected or undone as planned. */
  error?: string;
}

/** FaultLog keeps every FaultRecord and knows which faults are under way. */
export class FaultLog {
  readonly records: FaultRecord[] = [];
  private readonly active = new Set<FaultRecord>();

  /** begin records a fault that starts now and counts answers against it until `end`. */
  begin(kind: FaultKind): FaultRecord {
    const record: FaultRecord = {
      kind,
      startedAtMs: Date.now(),
      downMs: 0,
      readyzPolls: 0,
      readyzSaidDown: 0,
      readyzSaidReady: 0,
      answers503: 0,
      answers5xx: 0,
    };
    this.records.push(record);
    this.active.add(record);
    return record;
  }

  /** end closes a fault: its downtime runs from begin until now unless already set. */
  end(record: FaultRecord): void {
    if (record.downMs === 0) record.downMs = Date.now() - record.startedAtMs;
    this.active.delete(record);
  }

  /** noteAnswer counts one API answer against every fault under way. */
  noteAnswer(status: number): void {
    for (const record of this.active) {
      if (status === 503) record.answers503 += 1;
      else if (status >= 500) record.answers5xx += 1;
    }
  }
}
