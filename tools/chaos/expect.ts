import type { Anomalies, Outcome } from './model';

/*
 * What the end state may be after a story of requests, given only what the client was told:
 * acknowledged steps happened, refused steps did not, indeterminate steps may have.
 */

/**
 * expectedStatuses lists the statuses a placed order or booking may end in: cancelled when a
 * cancel was acknowledged; `settled` (paid, confirmed) when the settling step was; otherwise
 * `left` (expired by its timer), plus what an indeterminate step may have done.
 */
export function expectedStatuses(input: {
  settle?: Outcome;
  cancel?: Outcome;
  settled: string;
  left: string;
}): string[] {
  const { settle, cancel } = input;
  if (cancel?.kind === 'acked') return ['cancelled'];
  const cancelMaybe = cancel?.kind === 'indeterminate' ? ['cancelled'] : [];
  if (settle?.kind === 'acked') return [input.settled, ...cancelMaybe];
  const settleMaybe = settle?.kind === 'indeterminate' ? [input.settled] : [];
  return [input.left, ...settleMaybe, ...cancelMaybe];
}

/**
 * checkEndStatus adds an anomaly when an acknowledged order or booking ended in a status its
 * story does not allow (expectedStatuses); `settleStep` names the settling step in the message
 * (`pay`, `confirm`). A placement not acknowledged allows any status.
 */
export function checkEndStatus(
  input: {
    what: string;
    status: string;
    place: Outcome;
    settle?: Outcome;
    cancel?: Outcome;
    settleStep: string;
    settled: string;
    left: string;
  },
  anomalies: Anomalies,
): void {
  if (input.place.kind !== 'acked') return;
  const allowed = expectedStatuses(input);
  if (allowed.includes(input.status)) return;
  const step = (outcome?: Outcome) => (outcome ? describeOutcome(outcome) : 'none');
  anomalies.add(
    'acknowledged write lost, doubled or changed',
    `${input.what} is ${input.status}; after ${input.settleStep} ${step(input.settle)} and cancel ${step(input.cancel)} it may be ${allowed.join(' or ')}`,
  );
}

/** byId indexes rows by their `id`. */
export function byId<T extends { id: string }>(rows: T[]): Map<string, T> {
  return new Map(rows.map((row) => [row.id, row]));
}

/**
 * describeOutcome names an outcome in an anomaly message (`acked 201`, `refused 409 code`),
 * with the answers of the attempts before the last (`after 503 unavailable, TimeoutError`).
 */
export function describeOutcome(outcome: Outcome): string {
  const tried = outcome.trail.length > 1 ? ` after ${outcome.trail.slice(0, -1).join(', ')}` : '';
  if (outcome.kind === 'acked') return `acked ${outcome.status}${tried}`;
  if (outcome.kind === 'refused') return `refused ${outcome.status} ${outcome.code}${tried}`;
  return `indeterminate (${outcome.trail.join(', ')})`;
}
