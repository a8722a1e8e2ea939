import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../tools/chaos/options';
import { estimateLongMs, longChaosOptions } from '../../tools/chaos/harness';

/*
 * `npm run chaos` arguments (tools/chaos/options.ts): the default run as before, and the
 * long run of issue 17 item 8 with its --long-scale.
 */

describe('npm run chaos arguments', () => {
  it('when nothing is given, then the default run: 60 s and every short fault, no long run', () => {
    const parsed = parseCliArgs(['--seed', '7']);

    expect(parsed).toEqual({
      kind: 'options',
      options: {
        durationMs: 60_000,
        faults: ['kill', 'pg-fast', 'pg-immediate', 'temporal', 'db-pause'],
        seed: 7,
      },
    });
  });

  it('when --long is given alone, then the long run at scale 1', () => {
    const parsed = parseCliArgs(['--long', '--seed', '3']);

    expect(parsed.kind === 'options' && parsed.options.long).toEqual({ scale: 1 });
  });

  it('when --long-scale 0.1 is given with --long, then every long downtime is a tenth', () => {
    const parsed = parseCliArgs(['--long', '--long-scale', '0.1']);

    expect(parsed.kind === 'options' && parsed.options.long).toEqual({ scale: 0.1 });
  });

  it.each([
    [['--long-scale', '0.5'], '--long-scale: give it with --long'],
    [['--long', '--long-scale', '0'], '--long-scale 0: give a number from 0.01 to 1'],
    [['--long', '--long-scale', '2'], '--long-scale 2: give a number from 0.01 to 1'],
    [['--long', '--long-scale', 'fast'], '--long-scale fast: give a number from 0.01 to 1'],
    [['--long', '--long-scale', '1e-1'], '--long-scale 1e-1: give a number from 0.01 to 1'],
    [
      ['--long', '--duration', '2m'],
      '--long: its faults and length are its own; leave out --duration and --faults',
    ],
    [
      ['--long', '--faults', 'kill'],
      '--long: its faults and length are its own; leave out --duration and --faults',
    ],
  ])('when %j is given, then it is refused: %s', (argv, message) => {
    expect(parseCliArgs(argv)).toEqual({ kind: 'error', message });
  });

  it('when --long=yes is given, then node refuses a value for a flag', () => {
    expect(parseCliArgs(['--long=yes']).kind).toBe('error');
  });
});

describe('long chaos options', () => {
  it('when the scale is 1, then the load lasts the 25 minutes of downtime plus a 60 s window and a 20 s gap after each fault, about 32 minutes', () => {
    const options = longChaosOptions({ scale: 1, seed: 1 });

    expect(options.long?.scale).toBe(1);
    expect(options.durationMs).toBe(estimateLongMs(options.long!));
    expect(options.durationMs / 60_000).toBeCloseTo(25 + 0.25 + 5 * (80 / 60), 5);
  });

  it('when the scale is 0.1, then only the downtimes shrink: the windows and gaps stay', () => {
    const full = longChaosOptions({ scale: 1, seed: 1 });
    const tenth = longChaosOptions({ scale: 0.1, seed: 1 });

    expect(full.durationMs - tenth.durationMs).toBe(0.9 * 25 * 60_000);
  });
});
