import { randomUUID } from 'node:crypto';
import { resourceIdFor } from '../../domain/ids';
import type { Outcome } from './model';
import { checkAnswer, runClients, type WorkloadContext } from './workload';

/**
 * The bank workload (Jepsen's bank test, as tools/ledger-bank.ts runs it in process):
 * a fixed total spread over a few wallets, clients moving 1–60 units between random pairs and
 * reading balances over HTTP. Every read must see no negative balance; at the end every
 * acknowledged transfer is posted exactly once, no refused one moved money, and the total holds.
 */

/** TransferRecord is one transfer a bank client asked for and how it ended. */
export interface TransferRecord {
  transferId: string;
  fromAccountId: string;
  toAccountId: string;
  amountMinor: number;
  outcome: Outcome;
}

/** BankLog is everything the bank workload did. */
export interface BankLog {
  transfers: TransferRecord[];
}

/** runBank runs `clientsN` bank clients until the load ends: 75 % transfers, 25 % reads. */
export async function runBank(ctx: WorkloadContext, clientsN: number): Promise<BankLog> {
  const log: BankLog = { transfers: [] };
  await runClients(ctx, clientsN, async () => {
    if (ctx.random.chance(0.75)) log.transfers.push(await transfer(ctx));
    else await read(ctx);
  });
  return log;
}

async function transfer(ctx: WorkloadContext): Promise<TransferRecord> {
  const { owners, accountIds } = ctx.world.bank;
  const from = ctx.random.int(0, owners.length - 1);
  const to = (from + ctx.random.int(1, owners.length - 1)) % owners.length;
  const owner = owners[from]!;
  const key = randomUUID();
  const body = {
    fromAccountId: accountIds[from]!,
    toAccountId: accountIds[to]!,
    amountMinor: ctx.random.int(1, 60),
  };
  const transferId = resourceIdFor({ sub: owner.sub, idempotencyKey: key, scope: 'transfer' });
  const outcome = await ctx.client.send('bank', {
    method: 'POST',
    path: '/v1/transfers',
    token: owner.token,
    key,
    body,
  });
  checkAnswer(ctx, `transfer ${transferId}`, outcome, {
    acked: (answer) => answer?.id === transferId && answer?.status === 'posted',
    refusedCodes: ['insufficient_funds'],
  });
  return { transferId, ...body, outcome };
}

async function read(ctx: WorkloadContext): Promise<void> {
  const { owners, accountIds } = ctx.world.bank;
  const index = ctx.random.int(0, owners.length - 1);
  const outcome = await ctx.client.send('bank', {
    method: 'GET',
    path: `/v1/accounts/${accountIds[index]}`,
    token: owners[index]!.token,
  });
  checkAnswer(ctx, `read of account ${accountIds[index]}`, outcome, {
    acked: (answer) => answer?.balanceMinor >= 0 && answer?.availableMinor >= 0,
    refusedCodes: [],
  });
}
