import { Writable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/common';
import type { LogEntry, LogLevel } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../domain/errors';
import { createLogger, prettyFromEnv } from '../../lib/logger';
import { TemporalLogRouter, type LogLine } from '../../worker/logging';
import { REFUSED_LOG_MESSAGE } from '../../workflows/kit';

/*
 * The worker's log adapter (worker/logging.ts) with the failures the SDK really hands it: an
 * activity's ApplicationFailure as thrown, and a failed run's failure after the structured
 * clone that carries it out of the workflow sandbox (message and stack kept, `type` dropped).
 */

const RUN = { workflowId: 'booking-1', runId: 'run-1', workflowType: 'bookingWorkflow' };

function entry(level: LogLevel, message: string, meta: Record<string, unknown>): LogEntry {
  return { level, message, meta, timestampNanos: 0n };
}

/** captured writes `line` through a real holdfast logger and returns the JSON it wrote. */
function written(line: LogLine): Record<string, any> {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ level: 'trace', destination });
  logger[line.level](line.fields, line.message);
  return JSON.parse(chunks.join(''));
}

const refusal = () => new DomainError('seats_unavailable', 'Seat 12A is taken').toFailure();

describe('TemporalLogRouter', () => {
  it('when a run fails with the refusal it logged, then its "Workflow failed" is debug with the code', () => {
    const router = new TemporalLogRouter();
    const refused = { ...RUN, code: 'seats_unavailable', detail: 'Seat 12A is taken' };

    const said = router.route(entry('INFO', REFUSED_LOG_MESSAGE, refused));
    const failed = router.route(
      entry('WARN', 'Workflow failed', { ...RUN, error: structuredClone(refusal()) }),
    );

    expect(said.level).toBe('info');
    expect(written(said)).toMatchObject({ level: 30, code: 'seats_unavailable', ...RUN });
    expect(failed.level).toBe('debug');
    expect(failed.fields).toMatchObject({ code: 'seats_unavailable', detail: 'Seat 12A is taken' });
    expect(failed.fields.error).toBeUndefined();
  });

  it('when a run fails with no refusal logged, then it stays warn and the error is written, not {}', () => {
    const router = new TemporalLogRouter();
    const failure = ApplicationFailure.create({ type: 'Boom', message: 'disk on fire' });

    const line = router.route(
      entry('WARN', 'Workflow failed', { ...RUN, error: structuredClone(failure) }),
    );

    expect(line.level).toBe('warn');
    const json = written(line);
    expect(json.level).toBe(40);
    expect(json.error.message).toBe('disk on fire');
    expect(json.error.stack).toMatch(/^ApplicationFailure: disk on fire/);
  });

  it('when a run fails with a 5xx refusal, then it stays warn and names the code', () => {
    const router = new TemporalLogRouter();
    const unavailable = ApplicationFailure.create({ type: 'unavailable', message: 'terminated' });
    router.route(
      entry('WARN', REFUSED_LOG_MESSAGE, { ...RUN, code: 'unavailable', detail: 'terminated' }),
    );

    const line = router.route(
      entry('WARN', 'Workflow failed', { ...RUN, error: structuredClone(unavailable) }),
    );

    expect(line.level).toBe('warn');
    expect(written(line)).toMatchObject({ code: 'unavailable', error: { message: 'terminated' } });
  });

  it('when a run fails with another failure than the refusal it logged, then it stays warn', () => {
    const router = new TemporalLogRouter();
    router.route(
      entry('INFO', REFUSED_LOG_MESSAGE, { ...RUN, code: 'seats_unavailable', detail: 'x' }),
    );

    const line = router.route(
      entry('WARN', 'Workflow failed', { ...RUN, error: structuredClone(new Error('bug')) }),
    );

    expect(line.level).toBe('warn');
    expect(written(line).error.message).toBe('bug');
  });

  it('when an activity refuses with a SPEC code, then it is debug with the code', () => {
    const line = new TemporalLogRouter().route(
      entry('WARN', 'Activity failed', { activityType: 'payBooking', error: refusal() }),
    );

    expect(line).toMatchObject({
      level: 'debug',
      fields: { code: 'seats_unavailable', detail: 'Seat 12A is taken' },
    });
  });

  it('when an activity fails otherwise, then it stays warn with the message and stack', () => {
    const line = new TemporalLogRouter().route(
      entry('WARN', 'Activity failed', {
        activityType: 'payBooking',
        error: new Error('ECONNRESET'),
      }),
    );

    const json = written(line);
    expect(json.level).toBe(40);
    expect(json.error).toMatchObject({ name: 'Error', message: 'ECONNRESET' });
    expect(json.error.stack).toContain('ECONNRESET');
  });
});

describe('prettyFromEnv', () => {
  it.each([
    [{ npm_lifecycle_event: 'dev' }, true],
    [{ npm_lifecycle_event: 'dev', LOG_PRETTY: '0' }, false],
    [{ npm_lifecycle_event: 'test' }, false],
    [{ LOG_PRETTY: '1' }, true],
    [{}, false],
  ])('when the environment is %j, then pretty is %s', (env, pretty) => {
    expect(prettyFromEnv(env)).toBe(pretty);
  });
});
