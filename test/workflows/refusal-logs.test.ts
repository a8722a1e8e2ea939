import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../domain/errors';
import { createLogger } from '../../lib/logger';
import { installTemporalRuntime } from '../../worker/logging';
import { bookingPaymentWorkflow } from '../../workflows/bookings';
import { transferWorkflow } from '../../workflows/ledger';
import { rejectionOf, useWorkflowWorker } from '../helpers/workflow-worker';

/*
 * What the worker logs when a run is refused (worker/logging.ts, workflows/kit.ts): the real
 * bundled workflows on the run's Temporal dev server, this process's SDK logs routed as the
 * worker routes them into a holdfast logger whose lines are captured here. A refused payment
 * is one info line with its SPEC code and workflowId, and nothing at warn; a run that failed
 * for another reason stays warn, with the error's message.
 */

/** LOG_WAIT_MS bounds the wait for a run's lines: the SDK writes them after the task completes. */
const LOG_WAIT_MS = 10_000;

const lines: Record<string, any>[] = [];
const destination = new Writable({
  write(chunk, _encoding, done) {
    for (const text of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(text));
    done();
  },
});
installTemporalRuntime(createLogger({ level: 'info', destination }));

const env = useWorkflowWorker({
  taskQueuePrefix: 'wf-refusal-logs',
  activities: {
    async payBooking() {
      throw new DomainError('insufficient_funds', 'The wallet holds 100, the booking costs 900', {
        availableMinor: 100,
      }).toFailure();
    },
    async executeTransfer() {
      throw ApplicationFailure.nonRetryable('disk on fire', 'Boom');
    },
  },
});

/** linesOf polls until the run `workflowId` logged a line matching `done`, then returns its lines. */
async function linesOf(workflowId: string, done: (line: Record<string, any>) => boolean) {
  const deadline = Date.now() + LOG_WAIT_MS;
  for (;;) {
    const ofRun = lines.filter((line) => line.workflowId === workflowId);
    if (ofRun.some(done)) return ofRun;
    if (Date.now() > deadline)
      throw new Error(`no such line for ${workflowId}: ${JSON.stringify(ofRun)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('refusal logs of the worker', () => {
  it('when a booking payment is refused, then the worker logs it at info with its code, and nothing at warn', async () => {
    const workflowId = `booking-${randomUUID()}-payment`;

    const { refusal } = await rejectionOf(
      env.client.workflow.execute(bookingPaymentWorkflow, {
        workflowId,
        taskQueue: env.taskQueue,
        args: [{ bookingId: randomUUID(), accountId: randomUUID(), actorId: randomUUID() }],
      }),
    );

    expect(refusal?.code).toBe('insufficient_funds');
    const ofRun = await linesOf(workflowId, (line) => line.msg === 'Refused');
    expect(ofRun.find((line) => line.msg === 'Refused')).toMatchObject({
      level: 30,
      code: 'insufficient_funds',
      detail: 'The wallet holds 100, the booking costs 900',
      workflowType: 'bookingPaymentWorkflow',
    });
    expect(ofRun.filter((line) => line.level >= 40)).toEqual([]);
  });

  it('when a run fails for a reason that is no business refusal, then it is warn with the message and its causes', async () => {
    const workflowId = `transfer-${randomUUID()}`;

    await rejectionOf(
      env.client.workflow.execute(transferWorkflow, {
        workflowId,
        taskQueue: env.taskQueue,
        args: [{ transferId: workflowId, kind: 'deposit', amountMinor: 1, initiatedBy: 'test' }],
      }),
    );

    const ofRun = await linesOf(workflowId, (line) => line.msg === 'Workflow failed');
    expect(ofRun.find((line) => line.msg === 'Refused')).toMatchObject({
      level: 40,
      code: 'unavailable',
      // The transfer posts in a local activity, whose failure reaches the workflow unwrapped.
      causes: ['Boom: disk on fire'],
    });
    expect(ofRun.find((line) => line.msg === 'Workflow failed')).toMatchObject({
      level: 40,
      code: 'unavailable',
      error: {
        message: 'disk on fire',
        stack: expect.stringContaining('ApplicationFailure'),
      },
    });
  });
});
