import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  BANK_DEFAULTS,
  checkBankOutcome,
  runBank,
  setupBank,
  transferIdsOf,
} from '../../tools/ledger-bank';
import { expectLedgerConsistent } from '../helpers/factories';
import { actor, useStack } from '../helpers/stack';
import { WorkerProcess } from '../../tools/worker-process';

const TASK_QUEUE = 'holdfast-chaos';

/** isAlive tells whether a process with this PID still exists. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the bank workload while the worker is SIGKILLed and restarted', () => {
  const provided = inject('stack');
  const worker = new WorkerProcess({ ...provided, taskQueue: TASK_QUEUE });
  afterAll(() => worker.stop());

  it('then no acknowledged transfer is lost or doubled, no workflow is stuck, and the ledger holds', async () => {
    const stack = await useStack({ taskQueue: TASK_QUEUE });
    await worker.start();
    const staff = await actor('staff');
    const options = { ...BANK_DEFAULTS, operationsMax: 500, durationMaxMs: 25_000, seed: 1120 };
    const bank = await setupBank(stack, staff, options);

    const killedPids: number[] = [];
    const chaos = (async () => {
      for (let kill = 0; kill < 3; kill += 1) {
        await new Promise((resolve) => setTimeout(resolve, 3_000 + kill * 1_000));
        killedPids.push(worker.pid!);
        await worker.restart();
      }
    })();
    const result = await runBank(stack, bank, options);
    await chaos;
    const endAnomalies = await checkBankOutcome(
      stack,
      result,
      options.accountsN * options.initialMinor,
    );

    const stuck: string[] = [];
    for (const transferId of transferIdsOf(result)) {
      const description = await stack.temporal.workflow
        .getHandle(`transfer-${transferId}`)
        .describe()
        .catch(() => undefined);
      if (description?.status.name === 'RUNNING') stuck.push(transferId);
    }
    const posted = result.transfersAcknowledged.length;
    console.log(
      `bank with ${worker.restarts} SIGKILL restarts: ${posted} transfers posted, ${result.transfersRefused} refused, ${result.retriesAfterNoAnswer} client retries, ` +
        `${result.reads} reads, ${result.anomalies.length + endAnomalies.length + stuck.length} anomalies, ${(posted / (result.durationMs / 1000)).toFixed(1)} transfers/s over ${result.durationMs} ms`,
    );
    expect(worker.restarts).toBeGreaterThanOrEqual(2);
    // The killed workers are really gone (signal 0 only probes whether a PID exists).
    expect(killedPids.filter((pid) => isAlive(pid))).toEqual([]);
    expect(result.anomalies).toEqual([]);
    expect(endAnomalies).toEqual([]);
    expect(stuck).toEqual([]);
    expect(posted).toBeGreaterThan(50);
    await expectLedgerConsistent(stack);
  }, 240_000);
});
