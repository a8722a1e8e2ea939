import { randomUUID } from 'node:crypto';
import { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import { msNumberToTs } from '@temporalio/common/lib/time.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SEARCH_ATTRIBUTES } from '../../domain/search-attributes';
import { ensureTemporalSetup, type TemporalSetupInput } from '../../tools/stack/temporal-setup';

/** WAIT bounds every poll here: the dev server shows new namespaces and attributes with a lag. */
const WAIT = { attemptsMax: 100, attemptDelayMs: 200 };
const RETENTION_MS = 72 * 3_600_000;

let connection: Connection;

beforeAll(async () => {
  connection = await Connection.connect({ address: inject('stack').temporalAddress });
});

afterAll(async () => {
  await connection?.close();
});

/** freshNamespace names a namespace no other test (or run) uses. */
function freshNamespace(): string {
  return `holdfast-setup-${randomUUID().slice(0, 8)}`;
}

/** setupInput is ensureTemporalSetup's input for `namespace` on the run's dev server. */
function setupInput(namespace: string, log: string[]): TemporalSetupInput {
  return {
    address: inject('stack').temporalAddress,
    namespace,
    retentionMs: RETENTION_MS,
    log: (line) => log.push(line),
    ...WAIT,
  };
}

/**
 * pollUntil calls `read` until `done` accepts its result, at most WAIT.attemptsMax times, and
 * returns the last result (errors such as "namespace not found yet" count as not done).
 */
async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let last: T | undefined;
  for (let attempt = 0; attempt < WAIT.attemptsMax; attempt += 1) {
    try {
      last = await read();
      if (done(last)) return last;
    } catch {
      // Not visible yet: try again.
    }
    await new Promise((resolve) => setTimeout(resolve, WAIT.attemptDelayMs));
  }
  if (last === undefined) throw new Error('pollUntil: never read a value');
  return last;
}

/** customAttributes lists a namespace's custom search attributes (name → proto IndexedValueType). */
async function customAttributes(namespace: string): Promise<Record<string, number>> {
  const reply = await connection.operatorService.listSearchAttributes({ namespace });
  return { ...(reply.customAttributes ?? {}) };
}

/** WANTED is SEARCH_ATTRIBUTES as the server lists them: name → proto IndexedValueType. */
const WANTED = Object.fromEntries(
  SEARCH_ATTRIBUTES.map(({ name, type }) => [name, encodeSearchAttributeIndexedValueType(type)]),
);

/** hasAllWanted says whether `listed` holds every WANTED attribute with its type. */
function hasAllWanted(listed: Record<string, number>): boolean {
  return Object.entries(WANTED).every(([name, type]) => listed[name] === type);
}

describe('npm run temporal:setup (ensureTemporalSetup)', () => {
  it('when the namespace is new, then it is registered with all five custom search attributes, and a second run changes nothing', async () => {
    const namespace = freshNamespace();
    const firstLog: string[] = [];

    await ensureTemporalSetup(setupInput(namespace, firstLog));

    const listed = await pollUntil(() => customAttributes(namespace), hasAllWanted);
    expect(listed).toMatchObject({
      CustomerId: encodeSearchAttributeIndexedValueType('KEYWORD'),
      OrderStatus: encodeSearchAttributeIndexedValueType('KEYWORD'),
      BookingStatus: encodeSearchAttributeIndexedValueType('KEYWORD'),
      AmountMinor: encodeSearchAttributeIndexedValueType('INT'),
    });
    const described = await connection.workflowService.describeNamespace({ namespace });
    expect(Number(described.config?.workflowExecutionRetentionTtl?.seconds)).toBe(72 * 3_600);
    expect(firstLog).toContain(`registering namespace ${namespace} (retention 72 h)`);
    expect(firstLog.some((line) => line.startsWith('adding search attributes CustomerId'))).toBe(
      true,
    );

    const secondLog: string[] = [];
    await ensureTemporalSetup(setupInput(namespace, secondLog));

    expect(secondLog).toContain(`namespace ${namespace} exists`);
    expect(secondLog.some((line) => line.startsWith('adding'))).toBe(false);
    for (const { name, type } of SEARCH_ATTRIBUTES) {
      expect(secondLog).toContain(`search attribute ${name} (${type}) exists`);
    }
    expect(await customAttributes(namespace)).toEqual(listed);
  });

  it('when CustomerId already exists as Int, then it refuses naming CustomerId and adds nothing', async () => {
    const namespace = freshNamespace();
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msNumberToTs(RETENTION_MS),
    });
    const int = encodeSearchAttributeIndexedValueType('INT');
    // A freshly registered namespace reaches the operator API once the namespace cache refreshes.
    await pollUntil(
      () => customAttributes(namespace),
      () => true,
    );
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: { CustomerId: int! },
    });
    await pollUntil(
      () => customAttributes(namespace),
      (listed) => listed.CustomerId === int,
    );

    await expect(ensureTemporalSetup(setupInput(namespace, []))).rejects.toThrow(
      /CustomerId exists as INT, holdfast needs KEYWORD/,
    );

    expect(await customAttributes(namespace)).toEqual({ CustomerId: int });
  });
});
