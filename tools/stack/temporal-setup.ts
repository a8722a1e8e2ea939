import { Connection, isGrpcServiceError } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import { msNumberToTs } from '@temporalio/common/lib/time.js';
import { SEARCH_ATTRIBUTES } from '../../domain/search-attributes';
import { sleep } from '../process';

/**
 * Temporal setup (run by `npm run temporal:setup`): makes a Temporal server ready for holdfast. It waits for the frontend
 * at TEMPORAL_ADDRESS, registers TEMPORAL_NAMESPACE if missing (retention
 * TEMPORAL_NAMESPACE_RETENTION, default 72h) and adds the custom search attributes of
 * domain/search-attributes.ts (SPEC.md §9) that it lacks. docker-compose.yml runs it as the
 * one-shot `temporal-setup` service; the local dev server gets the same list as start-up flags.
 * Idempotent: what exists is kept, and a name that exists with another type stops it (exit 1).
 */

/** GRPC_NOT_FOUND and GRPC_ALREADY_EXISTS are the gRPC status codes (grpc/status.proto) used here. */
const GRPC_NOT_FOUND = 5;
const GRPC_ALREADY_EXISTS = 6;

/** DEFAULT_RETENTION is the namespace retention when TEMPORAL_NAMESPACE_RETENTION is unset. */
export const DEFAULT_RETENTION = '72h';

/** TemporalSetupInput says which server and namespace to prepare, and how long to wait. */
export interface TemporalSetupInput {
  /** address is the Temporal frontend, `host:port`. */
  address: string;
  namespace: string;
  /** retentionMs is the retention of closed workflows, used only when registering the namespace. */
  retentionMs: number;
  /** log receives one line per step taken; default: none. */
  log?: (line: string) => void;
  /** attemptsMax bounds every wait (frontend up, namespace and attributes visible); default 60. */
  attemptsMax?: number;
  /** attemptDelayMs is the pause between two attempts of a wait; default 2000. */
  attemptDelayMs?: number;
}

/** Wait is the bound of every wait: attemptsMax tries, attemptDelayMs apart. */
interface Wait {
  attemptsMax: number;
  attemptDelayMs: number;
}

/**
 * ensureTemporalSetup prepares `namespace` on the server at `address`: waits for the frontend,
 * registers the namespace if missing, then adds every SEARCH_ATTRIBUTES entry the namespace lacks
 * and waits until the server lists all of them with their types.
 * @throws Error when a wait runs out of attempts, or naming every search attribute that exists
 *   with another type than holdfast's (nothing is added then).
 */
export async function ensureTemporalSetup(input: TemporalSetupInput): Promise<void> {
  const log = input.log ?? (() => {});
  const wait = {
    attemptsMax: input.attemptsMax ?? 60,
    attemptDelayMs: input.attemptDelayMs ?? 2_000,
  };
  const { namespace } = input;
  log(`waiting for the Temporal frontend at ${input.address}`);
  const connection = await retry(`the Temporal frontend at ${input.address}`, wait, () =>
    connectReady(input.address),
  );
  try {
    await ensureNamespace(connection, input, log);
    // A new namespace reaches the search-attribute API only once the server's namespace cache
    // has refreshed, so the first listing waits for it.
    const existing = await retry(`namespace ${namespace} to be visible`, wait, () =>
      listCustomSearchAttributes(connection, namespace),
    );
    const { present, missing } = planSearchAttributes(existing, namespace);
    for (const { name, type } of present) log(`search attribute ${name} (${type}) exists`);
    if (missing.length > 0) {
      await addSearchAttributes(connection, namespace, missing, log);
      await retry(`the search attributes of ${namespace} to be listed`, wait, async () => {
        const listed = await listCustomSearchAttributes(connection, namespace);
        const pending = planSearchAttributes(listed, namespace).missing.map(({ name }) => name);
        if (pending.length > 0) throw new Error(`not listed yet: ${pending.join(', ')}`);
      });
    }
    log(`namespace ${namespace} is ready`);
  } finally {
    await connection.close();
  }
}

/** connectReady connects to `address` and returns the connection once the frontend answers. */
async function connectReady(address: string): Promise<Connection> {
  const connection = await Connection.connect({ address, connectTimeout: 2_000 });
  try {
    await connection.workflowService.getSystemInfo({});
    return connection;
  } catch (err) {
    await connection.close();
    throw err;
  }
}

/** ensureNamespace registers the input's namespace unless it exists (or another run wins). */
async function ensureNamespace(
  connection: Connection,
  input: TemporalSetupInput,
  log: (line: string) => void,
): Promise<void> {
  const { namespace } = input;
  try {
    await connection.workflowService.describeNamespace({ namespace });
    log(`namespace ${namespace} exists`);
    return;
  } catch (err) {
    if (!isGrpcServiceError(err) || err.code !== GRPC_NOT_FOUND) throw err;
  }
  log(`registering namespace ${namespace} (retention ${input.retentionMs / 3_600_000} h)`);
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msNumberToTs(input.retentionMs),
    });
  } catch (err) {
    if (!isGrpcServiceError(err) || err.code !== GRPC_ALREADY_EXISTS) throw err;
    log(`namespace ${namespace} was registered meanwhile`);
  }
}

/** listCustomSearchAttributes returns the namespace's custom attributes: name → type. */
async function listCustomSearchAttributes(
  connection: Connection,
  namespace: string,
): Promise<Map<string, string>> {
  const reply = await connection.operatorService.listSearchAttributes({ namespace });
  const byName = new Map<string, string>();
  for (const [name, indexed] of Object.entries(reply.customAttributes ?? {})) {
    byName.set(name, searchAttributeTypeName(indexed));
  }
  return byName;
}

/** indexedValueType is the proto IndexedValueType of an SDK search attribute type. */
function indexedValueType(type: SearchAttributeType): number {
  const indexed = encodeSearchAttributeIndexedValueType(type);
  if (indexed === undefined)
    throw new Error(`no IndexedValueType for search attribute type ${type}`);
  return indexed;
}

/** searchAttributeTypeName names a proto IndexedValueType the way the SDK does (`KEYWORD`). */
function searchAttributeTypeName(indexed: number): string {
  const type = Object.values(SearchAttributeType).find(
    (candidate) => indexedValueType(candidate) === indexed,
  );
  return type ?? `IndexedValueType ${indexed}`;
}

/** SearchAttributePlan splits SEARCH_ATTRIBUTES into the ones a namespace has and lacks. */
interface SearchAttributePlan {
  present: typeof SEARCH_ATTRIBUTES;
  missing: typeof SEARCH_ATTRIBUTES;
}

/**
 * planSearchAttributes compares SEARCH_ATTRIBUTES with the `existing` custom attributes (name →
 * type) of `namespace`.
 * @throws Error naming every entry that exists with another type.
 */
function planSearchAttributes(
  existing: Map<string, string>,
  namespace: string,
): SearchAttributePlan {
  const conflicts = SEARCH_ATTRIBUTES.filter(({ name, type }) => {
    const have = existing.get(name);
    return have !== undefined && have !== type;
  }).map(({ name, type }) => `${name} exists as ${existing.get(name)}, holdfast needs ${type}`);
  if (conflicts.length > 0) {
    throw new Error(
      `search attributes of namespace ${namespace} have another type: ${conflicts.join('; ')}. ` +
        'Remove them (temporal operator search-attribute remove) or use another namespace.',
    );
  }
  return {
    present: SEARCH_ATTRIBUTES.filter(({ name }) => existing.has(name)),
    missing: SEARCH_ATTRIBUTES.filter(({ name }) => !existing.has(name)),
  };
}

/** addSearchAttributes adds `missing` to the namespace; another run adding them first is fine. */
async function addSearchAttributes(
  connection: Connection,
  namespace: string,
  missing: typeof SEARCH_ATTRIBUTES,
  log: (line: string) => void,
): Promise<void> {
  const searchAttributes = Object.fromEntries(
    missing.map(({ name, type }) => [name, indexedValueType(type)]),
  );
  log(
    `adding search attributes ${missing.map(({ name, type }) => `${name} (${type})`).join(', ')}`,
  );
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  } catch (err) {
    if (!isGrpcServiceError(err) || err.code !== GRPC_ALREADY_EXISTS) throw err;
    log('some were added meanwhile; checking the types the server lists');
  }
}

/**
 * retry runs `attempt` until it resolves, at most `wait.attemptsMax` times `wait.attemptDelayMs`
 * apart, and returns its result.
 * @throws Error naming `what` and the last failure once the attempts run out.
 */
async function retry<T>(what: string, wait: Wait, attempt: () => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (let attemptIndex = 0; attemptIndex < wait.attemptsMax; attemptIndex += 1) {
    if (attemptIndex > 0) await sleep(wait.attemptDelayMs);
    try {
      return await attempt();
    } catch (err) {
      lastError = err;
    }
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new Error(`gave up waiting for ${what} after ${wait.attemptsMax} attempts: ${reason}`);
}
