import { v5 as uuidv5, v4 as uuidv4 } from 'uuid';

/**
 * HOLDFAST_NAMESPACE is the UUIDv5 namespace of every ID holdfast derives from
 * `(sub, Idempotency-Key)` (SPEC.md §1). Changing it would change every derived ID.
 */
export const HOLDFAST_NAMESPACE = '6f1c2a0e-4b7d-5d3e-9a51-8c0f3e2b7d41';

/**
 * resourceIdFor returns the ID of the resource a request creates: derived deterministically
 * from the caller and the Idempotency-Key when there is one (so a retry names the same
 * resource and workflow), else a fresh random UUID. `scope` keeps IDs of different resource
 * kinds apart for one key.
 */
export function resourceIdFor(input: {
  sub: string;
  idempotencyKey?: string;
  scope: string;
}): string {
  if (input.idempotencyKey === undefined) return uuidv4();
  return uuidv5(`${input.scope}:${input.sub}:${input.idempotencyKey}`, HOLDFAST_NAMESPACE);
}

/** newId returns a random UUID v4. */
export function newId(): string {
  return uuidv4();
}
