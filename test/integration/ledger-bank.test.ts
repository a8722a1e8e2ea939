import { describe, expect, it } from 'vitest';
import { BANK_DEFAULTS, checkBankOutcome, runBank, setupBank } from '../../tools/ledger-bank';
import { expectLedgerConsistent } from '../helpers/factories';
import { actor, useStack } from '../helpers/stack';

describe('a Jepsen-style bank workload', () => {
  it('when 32 clients move money between 8 accounts and read balances, then no read sees a negative or a changed total, and every acknowledged transfer is posted once', async () => {
    const stack = await useStack();
    const staff = await actor('staff');
    const options = BANK_DEFAULTS;
    const bank = await setupBank(stack, staff, options);

    const result = await runBank(stack, bank, options);
    const endAnomalies = await checkBankOutcome(
      stack,
      result,
      options.accountsN * options.initialMinor,
    );

    const posted = result.transfersAcknowledged.length;
    console.log(
      `bank: ${posted} transfers posted, ${result.transfersRefused} refused (insufficient funds), ${result.reads} reads + ${result.snapshotReads} snapshot reads, ` +
        `${result.anomalies.length + endAnomalies.length} anomalies, ${(posted / (result.durationMs / 1000)).toFixed(1)} transfers/s over ${result.durationMs} ms`,
    );
    expect(result.anomalies).toEqual([]);
    expect(endAnomalies).toEqual([]);
    expect(posted).toBeGreaterThan(100);
    await expectLedgerConsistent(stack);
  }, 120_000);
});
