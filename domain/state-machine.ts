import type { DomainError } from './errors';

/**
 * StateMachine is the lifecycle of a stateful resource (orders, bookings, holds): its edges,
 * its terminal states (no edge leaves them; the resource's workflow has closed) and the check
 * every layer runs before a change, which throws the SPEC refusal of a missing edge (409).
 */
export interface StateMachine<S extends string> {
  transitions: Readonly<Record<S, readonly S[]>>;
  terminal: readonly S[];
  assertTransition: (from: S, to: S) => void;
}

/**
 * defineStateMachine builds a StateMachine from its edges; `refusal` names the DomainError of
 * an edge that does not exist (`invalid_transition`, `order_expired`, `already_resolved` …).
 */
export function defineStateMachine<S extends string>(
  transitions: Readonly<Record<S, readonly S[]>>,
  refusal: (from: S, to: S) => DomainError,
): StateMachine<S> {
  const states = Object.keys(transitions) as S[];
  return {
    transitions,
    terminal: states.filter((state) => transitions[state].length === 0),
    assertTransition(from, to) {
      if (!transitions[from].includes(to)) throw refusal(from, to);
    },
  };
}
