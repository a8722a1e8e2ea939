import { checkLedger } from '../db/ledger-check';
import { BANK_DEFAULTS, checkBankOutcome, runBank, setupBank } from '../tools/ledger-bank';
import { actor, connectStack } from '../tools/app';
import { WorkerProcess } from '../tools/worker-process';
import { startEphemeralStack } from '../tools/stack/local-stack';
import { exitWithUsage, parseCli } from './shared/cli';
import { sleep } from '../tools/process';

/** RUNS_MAX bounds --runs. */
const RUNS_MAX = 10;

/** USAGE is printed for --help, and on stderr with exit code 2 for a bad command line. */
const USAGE = `usage: npm run bench:bank -- [--runs 3] [--kills]
  --runs   how many runs of the bank workload, 1-${RUNS_MAX} (default 3); medians are printed
  --kills  run the worker as a separate process, SIGKILLed and restarted 3 times per run
Starts a throwaway stack; prints transfers posted, refusals, reads, anomalies and transfers/s.`;

/** parseBankArgs reads the command line; see USAGE. Exits 0 for --help and 2 when it is bad. */
function parseBankArgs(): { runs: number; kills: boolean } {
  const { values } = parseCli(USAGE, {
    options: { runs: { type: 'string', default: '3' }, kills: { type: 'boolean', default: false } },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > RUNS_MAX)
    exitWithUsage(USAGE, `--runs must be a whole number in 1…${RUNS_MAX}`);
  return { runs, kills: values.kills };
}

/**
 * `npm run bench:bank -- [--runs 3] [--kills]`: runs the Jepsen-style bank workload (8
 * accounts, 32 clients, transfers of 1–5, reads) on a throwaway stack and prints, per run and
 * as medians: transfers posted, refusals, reads, anomalies and transfers per second. With
 * `--kills` the worker is a separate process that is SIGKILLed and restarted 3 times per run.
 * Figures on a shared machine are noisy: compare medians and ratios from one invocation.
 */
async function main(): Promise<void> {
  const values = parseBankArgs();
  const runs = values.runs;
  const ephemeral = await startEphemeralStack({ taskQueue: 'holdfast-bench' });
  const taskQueue = values.kills ? 'holdfast-bench-chaos' : ephemeral.taskQueue;
  const worker = values.kills ? new WorkerProcess({ ...ephemeral, taskQueue }) : undefined;
  await worker?.start();
  const { stack, close } = await connectStack({ ...ephemeral, taskQueue });
  const rates: number[] = [];
  try {
    for (let run = 1; run <= runs; run += 1) {
      const options = { ...BANK_DEFAULTS, seed: 1000 + run };
      const bank = await setupBank(stack, await actor('staff'), options);
      const chaos = worker ? killRepeatedly(worker, 3) : Promise.resolve();
      const result = await runBank(stack, bank, options);
      await chaos;
      const anomalies = [
        ...result.anomalies,
        ...(await checkBankOutcome(stack, result, options.accountsN * options.initialMinor)),
      ];
      const rate = result.transfersAcknowledged.length / (result.durationMs / 1000);
      rates.push(rate);
      console.log(
        `run ${run}: ${result.transfersAcknowledged.length} posted, ${result.transfersRefused} refused, ${result.reads} reads, ` +
          `${anomalies.length} anomalies, ${rate.toFixed(1)} transfers/s (${result.durationMs} ms)${worker ? `, ${worker.restarts} restarts so far` : ''}`,
      );
      for (const anomaly of anomalies.slice(0, 5)) console.log(`  anomaly: ${anomaly}`);
    }
    const report = await checkLedger(stack.db);
    const sorted = [...rates].sort((a, b) => a - b);
    console.log(
      `median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} transfers/s over ${runs} runs${worker ? ' with SIGKILL restarts' : ''}; ledger:check ${report.ok ? 'passed' : 'FAILED'}`,
    );
    process.exitCode = report.ok ? 0 : 1;
  } finally {
    await close();
    await worker?.stop();
    await ephemeral.stop();
  }
}

/** killRepeatedly SIGKILLs and restarts the worker `times` times, a few seconds apart. */
async function killRepeatedly(worker: WorkerProcess, times: number): Promise<void> {
  for (let kill = 0; kill < times; kill += 1) {
    await sleep(3_000 + kill * 1_000);
    await worker.restart();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
