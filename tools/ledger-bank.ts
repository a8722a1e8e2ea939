import { randomUUID } from 'node:crypto';
import { resourceIdFor } from '../domain/ids';
import { toSafeInt } from '../db/connection';
import { query } from '../db/transaction';
import { openWallet } from './seed';
import { actor, call, type Actor, type TestStack } from './app';
import { sleep } from './process';

/**
 * A bank workload in the style of Jepsen's bank test: a fixed total spread over N accounts,
 * concurrent clients moving 1–5 units between random pairs and reading balances. Every read
 * must see no negative balance and (for snapshot reads) the unchanged total; at the end every
 * acknowledged transfer must be posted exactly once.
 */

/** BankOptions bound the workload in count and time. */
export interface BankOptions {
  accountsN: number;
  clientsN: number;
  initialMinor: number;
  /** operationsMax bounds the operations issued across all clients. */
  operationsMax: number;
  /** durationMaxMs bounds the time during which new operations are issued. */
  durationMaxMs: number;
  /** attemptsMax bounds the retries of one transfer that got no definite answer (5xx). */
  attemptsMax: number;
  seed: number;
}

/** BankResult is what the workload did and every anomaly it saw. */
export interface BankResult {
  accountIds: string[];
  transfersAcknowledged: { transferId: string; key: string; owner: string }[];
  transfersRefused: number;
  retriesAfterNoAnswer: number;
  reads: number;
  snapshotReads: number;
  anomalies: string[];
  durationMs: number;
  issuedKeys: { key: string; sub: string }[];
}

/**
 * BANK_DEFAULTS is the workload of issue 3: 8 accounts of 10 units, 32 clients, at most 600
 * operations in 30 s; each transfer gets up to 20 attempts when an answer is not definite.
 */
export const BANK_DEFAULTS: BankOptions = {
  accountsN: 8,
  clientsN: 32,
  initialMinor: 10,
  operationsMax: 600,
  durationMaxMs: 30_000,
  attemptsMax: 20,
  seed: 20261120,
};

/** mulberry32 is a tiny seeded PRNG, so a failing run can be replayed with its seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** setupBank opens `accountsN` wallets, one per owner, each funded with `initialMinor`. */
export async function setupBank(
  stack: TestStack,
  staff: Actor,
  options: Pick<BankOptions, 'accountsN' | 'initialMinor'>,
) {
  const owners = await Promise.all(
    Array.from({ length: options.accountsN }, () => actor('customer')),
  );
  const accountIds = await Promise.all(
    owners.map((owner) => openWallet(stack, staff, owner, options.initialMinor)),
  );
  return { owners, accountIds };
}

/** BankRun is one workload run: where it goes, what it draws from, and what it found. */
interface BankRun {
  stack: TestStack;
  bank: { owners: Actor[]; accountIds: string[] };
  options: BankOptions;
  random: () => number;
  result: BankResult;
}

/** runBank runs the workload against `stack` and returns its figures and anomalies. */
export async function runBank(
  stack: TestStack,
  bank: { owners: Actor[]; accountIds: string[] },
  options: BankOptions,
): Promise<BankResult> {
  const result: BankResult = {
    accountIds: bank.accountIds,
    transfersAcknowledged: [],
    transfersRefused: 0,
    retriesAfterNoAnswer: 0,
    reads: 0,
    snapshotReads: 0,
    anomalies: [],
    durationMs: 0,
    issuedKeys: [],
  };
  const run: BankRun = { stack, bank, options, random: mulberry32(options.seed), result };
  const started = Date.now();
  const deadline = started + options.durationMaxMs;
  let issued = 0;
  const client = async () => {
    while (issued < options.operationsMax && Date.now() < deadline) {
      issued += 1;
      await (run.random() < 0.75 ? bankTransfer(run) : bankRead(run));
    }
  };
  await Promise.all(Array.from({ length: options.clientsN }, client));
  result.durationMs = Date.now() - started;
  return result;
}

/** bankTransfer moves 1–5 minor units between two random accounts, retrying without an answer. */
async function bankTransfer({ stack, bank, options, random, result }: BankRun): Promise<void> {
  const fromIndex = Math.floor(random() * options.accountsN);
  const toIndex =
    (fromIndex + 1 + Math.floor(random() * (options.accountsN - 1))) % options.accountsN;
  const owner = bank.owners[fromIndex]!;
  const key = randomUUID();
  result.issuedKeys.push({ key, sub: owner.sub });
  const body = {
    fromAccountId: bank.accountIds[fromIndex],
    toAccountId: bank.accountIds[toIndex],
    amountMinor: 1 + Math.floor(random() * 5),
  };
  for (let attempt = 1; attempt <= options.attemptsMax; attempt += 1) {
    const res = await call(stack, 'POST', '/v1/transfers', { token: owner.token, key, body });
    if (res.status === 201) {
      result.transfersAcknowledged.push({ transferId: res.body.id, key, owner: owner.sub });
      return;
    }
    if (res.status === 409 && res.body.code === 'insufficient_funds') {
      result.transfersRefused += 1;
      return;
    }
    if (res.status < 500 && res.body?.code !== 'idempotency_in_progress') {
      result.anomalies.push(`transfer answered ${res.status} ${JSON.stringify(res.body)}`);
      return;
    }
    result.retriesAfterNoAnswer += 1;
    await sleep(250 * attempt);
  }
  result.anomalies.push(
    `transfer ${key} had no definite answer after ${options.attemptsMax} attempts`,
  );
}

/** bankRead reads one account over HTTP and all balances in one statement (the total holds). */
async function bankRead({ stack, bank, options, random, result }: BankRun): Promise<void> {
  const index = Math.floor(random() * options.accountsN);
  const reader = bank.owners[index]!;
  const res = await call(stack, 'GET', `/v1/accounts/${bank.accountIds[index]}`, {
    token: reader.token,
  });
  result.reads += 1;
  if (res.status !== 200) result.anomalies.push(`read answered ${res.status}`);
  else if (res.body.balanceMinor < 0 || res.body.availableMinor < 0)
    result.anomalies.push(`negative read ${JSON.stringify(res.body)}`);
  const rows = await query<{ total: string; negatives: string }>(
    stack.db,
    'SELECT sum(balance_minor) AS total, count(*) FILTER (WHERE balance_minor < 0) AS negatives FROM accounts WHERE id = ANY($1::uuid[])',
    [bank.accountIds],
  );
  result.snapshotReads += 1;
  const totalMinor = options.accountsN * options.initialMinor;
  if (toSafeInt(rows[0]!.total) !== totalMinor || Number(rows[0]!.negatives) !== 0) {
    result.anomalies.push(
      `snapshot read saw total ${rows[0]!.total}, negatives ${rows[0]!.negatives}`,
    );
  }
}

/**
 * checkBankOutcome verifies the end state: the total is unchanged, no balance is negative,
 * every acknowledged transfer is posted exactly once, and no transfer that was not
 * acknowledged was posted (a refusal never moved money).
 */
export async function checkBankOutcome(
  stack: TestStack,
  result: BankResult,
  totalMinor: number,
): Promise<string[]> {
  const anomalies: string[] = [];
  const [sum] = await query<{ total: string; negatives: string }>(
    stack.db,
    'SELECT sum(balance_minor) AS total, count(*) FILTER (WHERE balance_minor < 0) AS negatives FROM accounts WHERE id = ANY($1::uuid[])',
    [result.accountIds],
  );
  if (toSafeInt(sum!.total) !== totalMinor)
    anomalies.push(`final total ${sum!.total}, expected ${totalMinor}`);
  if (Number(sum!.negatives) !== 0) anomalies.push(`${sum!.negatives} negative balances`);
  const posted = await query<{ id: string; n: string }>(
    stack.db,
    `SELECT id, count(*) AS n FROM ledger_transfers WHERE kind = 'transfer' AND status = 'posted'
       AND debit_account_id = ANY($1::uuid[]) GROUP BY id`,
    [result.accountIds],
  );
  const postedIds = new Map(posted.map((row) => [row.id, Number(row.n)]));
  for (const { transferId } of result.transfersAcknowledged) {
    if (postedIds.get(transferId) !== 1)
      anomalies.push(
        `acknowledged transfer ${transferId} posted ${postedIds.get(transferId) ?? 0} times`,
      );
  }
  const acknowledged = new Set(result.transfersAcknowledged.map((t) => t.transferId));
  const unacknowledgedPosted = [...postedIds.keys()].filter((id) => !acknowledged.has(id));
  if (unacknowledgedPosted.length > 0)
    anomalies.push(`${unacknowledgedPosted.length} posted transfers were never acknowledged`);
  return anomalies;
}

/** transferIdsOf derives the transfer IDs the workload's keys name (for workflow checks). */
export function transferIdsOf(result: BankResult): string[] {
  return result.issuedKeys.map(({ key, sub }) =>
    resourceIdFor({ sub, idempotencyKey: key, scope: 'transfer' }),
  );
}
