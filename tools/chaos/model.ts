/*
 * The vocabulary of a chaos run (issue 11, "Chaos"): what one client request ended as, the
 * per-workload counts, and the anomalies found, each in one of the categories the run reports.
 */

/**
 * Outcome is how one logical request ended after the client's retries: `acked` (a 2xx, the
 * write is acknowledged), `refused` (a definite 4xx: the write must leave no trace), or
 * `indeterminate` (no definite answer within the client's bounds: either is allowed, never twice).
 */
export type Outcome = (
  | { kind: 'acked'; status: number; body: any }
  | { kind: 'refused'; status: number; code: string; body: any }
  | { kind: 'indeterminate'; reason: string }
) & {
  /** trail is every attempt's answer (`503 unavailable`) or error name (`TimeoutError`). */
  trail: string[];
};

/** WORKLOADS are the four mixed workloads of a chaos run. */
export const WORKLOADS = ['bank', 'orders', 'bookings', 'approvals'] as const;

/** WorkloadName names one workload. */
export type WorkloadName = (typeof WORKLOADS)[number];

/**
 * WorkloadStats count what one workload's clients did: logical requests `acknowledged`
 * (2xx), `refused` (definite 4xx), `indeterminate`, `retried` (extra attempts after a timeout,
 * connection error, 503 or 409 idempotency_in_progress), `answers503` (503 answers seen) and
 * `reads` (GETs among the acknowledged).
 */
export interface WorkloadStats {
  acknowledged: number;
  refused: number;
  indeterminate: number;
  retried: number;
  answers503: number;
  reads: number;
}

/** newWorkloadStats returns zeroed counts. */
export function newWorkloadStats(): WorkloadStats {
  return { acknowledged: 0, refused: 0, indeterminate: 0, retried: 0, answers503: 0, reads: 0 };
}

/**
 * ANOMALY_CATEGORIES are the checks of issue 11, in its order: (a) every acknowledged write is
 * present exactly once, (b) no refused write left a trace, (c) ledger:check and the stock,
 * seat and night invariants, (d) no stuck workflow, (e) 503 never 500, and /readyz said so;
 * plus answers or reads a correct service never gives; and, in the long run (issue 17 item 8),
 * a reservation, hold or booking still held 60 s after its time once a fault has ended, and a
 * key whose final retry gets no definite answer or one other than its client was given.
 */
export const ANOMALY_CATEGORIES = [
  'acknowledged write lost, doubled or changed',
  'refused write left a trace',
  'ledger, stock, seat or night invariant',
  'stuck or failing workflow',
  '5xx other than 503',
  '/readyz did not report the outage',
  'unexpected answer or read',
  'past its time, not released within 60 s',
  'Idempotency-Key without one definite answer',
] as const;

/** AnomalyCategory is one of ANOMALY_CATEGORIES. */
export type AnomalyCategory = (typeof ANOMALY_CATEGORIES)[number];

/** Anomaly is one violation found: its category and a sentence naming what broke. */
export interface Anomaly {
  category: AnomalyCategory;
  message: string;
}

/** Anomalies collects the violations of a run (the goal is none). */
export class Anomalies {
  readonly found: Anomaly[] = [];

  /** add records one violation. */
  add(category: AnomalyCategory, message: string): void {
    this.found.push({ category, message });
  }

  /** countBy returns how many violations each category holds (every category listed). */
  countBy(): Record<AnomalyCategory, number> {
    const counts = Object.fromEntries(ANOMALY_CATEGORIES.map((c) => [c, 0])) as Record<
      AnomalyCategory,
      number
    >;
    for (const anomaly of this.found) counts[anomaly.category] += 1;
    return counts;
  }
}
