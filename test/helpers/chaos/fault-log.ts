/*
 * What the chaos run injected and what was seen meanwhile: one record per fault, with its
 * downtime, the /readyz polls made while a dependency was down, and the API's answers then.
 */

/** FAULT_KINDS are the faults a chaos run can inject (issue 11). */
export const FAULT_KINDS = ['kill', 'pg-fast', 'pg-immediate', 'temporal', 'db-pause'] as const;

/**
 * FaultKind is one fault: `kill` SIGKILLs the worker and starts it again; `pg-fast` and
 * `pg-immediate` restart PostgreSQL after a fast (SIGINT) or immediate (SIGQUIT) shutdown;
 * `temporal` stops the file-backed Temporal dev server and starts it again on its file;
 * `db-pause` makes the API's database proxy refuse and cut every connection for a while.
 */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** DEPENDENCY_OF names the /readyz member a fault takes down (none for a worker kill). */
export const DEPENDENCY_OF: Record<FaultKind, 'postgres' | 'temporal' | undefined> = {
  kill: undefined,
  'pg-fast': 'postgres',
  'pg-immediate': 'postgres',
  temporal: 'temporal',
  'db-pause': 'postgres',
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
