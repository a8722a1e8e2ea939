import { Metadata } from '@grpc/grpc-js';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  DefaultFailureConverter,
  defaultPayloadConverter,
  RetryState,
} from '@temporalio/common';
import type { Context } from 'hono';
import { describe, expect, it } from 'vitest';
import { toProblem } from '../../api/middleware/errors';
import { DomainError, domainErrorFromFailure, ERROR_STATUS } from '../../domain/errors';
import { createLogger } from '../../lib/logger';

const PRODUCT = '00000000-0000-4000-8000-000000000001';

function insufficientStock(): DomainError {
  return new DomainError('insufficient_stock', 'Not enough stock for 1 line', {
    lines: [{ productId: PRODUCT, requested: 3, available: 1 }],
  });
}

/** viaTemporal sends an error through Temporal's failure converter, as an activity or workflow failure travels. */
function viaTemporal(err: Error): Error {
  const converter = new DefaultFailureConverter();
  return converter.failureToError(
    converter.errorToFailure(err, defaultPayloadConverter),
    defaultPayloadConverter,
  );
}

describe('DomainError', () => {
  it('takes its HTTP status from the code', () => {
    expect(new DomainError('not_found', 'No such order').status).toBe(404);
    expect(insufficientStock().status).toBe(409);
    expect(new DomainError('validation_failed', 'Bad body').status).toBe(422);
  });

  it('toFailure gives a non-retryable ApplicationFailure typed with the code, carrying message and extra', () => {
    const error = insufficientStock();

    const failure = error.toFailure();

    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe('insufficient_stock');
    expect(failure.message).toBe('Not enough stock for 1 line');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.details).toEqual([
      { lines: [{ productId: PRODUCT, requested: 3, available: 1 }] },
    ]);
  });
});

describe('domainErrorFromFailure', () => {
  it('round-trips code, message and extra through toFailure', () => {
    const original = insufficientStock();

    const restored = domainErrorFromFailure(original.toFailure());

    expect(restored).toBeInstanceOf(DomainError);
    expect(restored?.code).toBe(original.code);
    expect(restored?.message).toBe(original.message);
    expect(restored?.extra).toEqual(original.extra);
    expect(restored?.status).toBe(409);
  });

  it('round-trips an error with no extra to an empty extra', () => {
    const restored = domainErrorFromFailure(
      new DomainError('order_expired', 'Too late').toFailure(),
    );

    expect(restored?.code).toBe('order_expired');
    expect(restored?.extra).toEqual({});
  });

  it('finds the failure at the end of an update → activity cause chain', () => {
    const original = insufficientStock();
    const activity = new ActivityFailure(
      'Activity task failed',
      'reserveStock',
      '1',
      RetryState.NON_RETRYABLE_FAILURE,
      'worker-1',
      original.toFailure(),
    );
    const update = new WorkflowUpdateFailedError('Workflow Update failed', activity);

    const restored = domainErrorFromFailure(update);

    expect(restored?.code).toBe('insufficient_stock');
    expect(restored?.message).toBe(original.message);
    expect(restored?.extra).toEqual(original.extra);
  });

  it('finds it through a child workflow failure wrapped in a plain Error cause', () => {
    const original = new DomainError('insufficient_funds', 'Balance too low', {
      accountId: PRODUCT,
      balanceMinor: 10,
    });
    const child = new ChildWorkflowFailure(
      'default',
      { workflowId: 'transfer-1', runId: 'r' },
      'transfer',
      RetryState.NON_RETRYABLE_FAILURE,
      original.toFailure(),
    );
    const wrapped = new Error('payment failed', { cause: child });

    const restored = domainErrorFromFailure(wrapped);

    expect(restored?.code).toBe('insufficient_funds');
    expect(restored?.extra).toEqual({ accountId: PRODUCT, balanceMinor: 10 });
  });

  it('survives serialisation through Temporal\u2019s failure converter, cause chain included', () => {
    const original = insufficientStock();
    const activity = new ActivityFailure(
      'Activity task failed',
      'reserveStock',
      '1',
      RetryState.NON_RETRYABLE_FAILURE,
      'worker-1',
      original.toFailure(),
    );

    const restored = domainErrorFromFailure(viaTemporal(activity));

    expect(restored?.code).toBe('insufficient_stock');
    expect(restored?.message).toBe(original.message);
    expect(restored?.extra).toEqual(original.extra);
  });

  it('returns a DomainError found in the chain as it is', () => {
    const original = insufficientStock();

    expect(domainErrorFromFailure(original)).toBe(original);
    expect(domainErrorFromFailure(new Error('wrapped', { cause: original }))).toBe(original);
  });

  it.each([
    ['a plain Error', new Error('boom')],
    [
      'an ApplicationFailure of an unknown type',
      ApplicationFailure.create({ type: 'TypeError', message: 'x is undefined' }),
    ],
    ['an ApplicationFailure without a type', ApplicationFailure.create({ message: 'no type' })],
    [
      'a type that is only an Object.prototype key',
      ApplicationFailure.create({ type: 'toString', message: 'sneaky' }),
    ],
    [
      'an activity failure caused by a non-domain failure',
      new ActivityFailure(
        'failed',
        'a',
        '1',
        RetryState.MAXIMUM_ATTEMPTS_REACHED,
        'w',
        new Error('ECONNRESET'),
      ),
    ],
    ['undefined', undefined],
    ['null', null],
    ['a string', 'insufficient_stock'],
    ['an object with a code but no failure', { code: 'insufficient_stock', message: 'fake' }],
  ])('returns undefined for %s', (_label, err) => {
    expect(domainErrorFromFailure(err)).toBeUndefined();
  });

  it('knows an HTTP status for every code it can restore', () => {
    for (const code of Object.keys(ERROR_STATUS) as Array<keyof typeof ERROR_STATUS>) {
      const restored = domainErrorFromFailure(new DomainError(code, code).toFailure());

      expect(restored?.code).toBe(code);
      expect(restored?.status).toBeGreaterThanOrEqual(400);
    }
  });
});

describe('toProblem of a Temporal call refused for now', () => {
  it('when an Update-with-Start meets a workflow whose task failed (the SDK rethrows the raw gRPC 9 FAILED_PRECONDITION), then 503 unavailable, not 500 (found by npm run chaos -- --long)', () => {
    const raw = Object.assign(
      new Error(
        'Unable to perform workflow execution update due to Workflow Task in failed state.',
      ),
      { code: 9, details: 'Update-with-Start could not be executed.', metadata: new Metadata() },
    );
    const noContext = { get: () => undefined } as unknown as Context;

    const problem = toProblem(raw, noContext, createLogger({ level: 'silent' }));

    expect(problem.status).toBe(503);
  });
});
