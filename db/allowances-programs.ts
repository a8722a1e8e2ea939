import type {
  AllowancePeriod,
  ParticipantView,
  PauseView,
  ProgramDetailView,
  ProgramView,
  VoucherView,
} from '../domain/allowances';
import { DomainError } from '../domain/errors';
import { newId } from '../domain/ids';
import { toSafeInt, type Db } from './connection';
import { execute, lockRows, pgCode, query, withTransaction } from './transaction';

/*
 * Allowance programmes (SPEC.md §8): programmes with their funding account and category
 * sub-limits, pauses, participants and vouchers. Each write is one short transaction with
 * nothing durable to orchestrate, so the API calls them directly, as it does the catalog's.
 * Balances and the postings of allowance orders are in db/allowances.ts.
 */

/** ProgramRow is a `programs` row with its category limits aggregated as JSON. */
interface ProgramRow {
  id: string;
  name: string;
  currency: string;
  allowance_minor: string;
  period: AllowancePeriod;
  funding_account_id: string;
  created_at: Date;
  category_limits: Record<string, string>;
}

/** PauseRow is a `program_pauses` row. */
interface PauseRow {
  id: string;
  program_id: string;
  name: string;
  starts_at: Date;
  ends_at: Date;
  multiplier: string;
}

/** toProgramView maps a programme row to the API shape. */
function toProgramView(row: ProgramRow): ProgramView {
  return {
    id: row.id,
    name: row.name,
    currency: row.currency.trim(),
    allowanceMinor: toSafeInt(row.allowance_minor),
    period: row.period,
    categoryLimits: Object.fromEntries(
      Object.entries(row.category_limits).map(([category, text]) => [category, toSafeInt(text)]),
    ),
    fundingAccountId: row.funding_account_id,
    createdAt: row.created_at.toISOString(),
  };
}

/** toPauseView maps a pause row to the API shape (multiplier as a number: 2 means 2×). */
function toPauseView(row: PauseRow): PauseView {
  return {
    id: row.id,
    programId: row.program_id,
    name: row.name,
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at.toISOString(),
    multiplier: Number(row.multiplier),
  };
}

/** multiplierText is a validated multiplier (≤ 3 decimals) as exact numeric(7, 3) text. */
const multiplierText = (multiplier: number) => multiplier.toFixed(3);

/** findProgramView reads one programme with its category limits, or undefined. */
async function findProgramView(db: Db, programId: string): Promise<ProgramView | undefined> {
  const [row] = await query<ProgramRow>(
    db,
    `SELECT pr.*,
       (SELECT COALESCE(json_object_agg(l.category, l.limit_minor::text), '{}') FROM program_category_limits l
         WHERE l.program_id = pr.id) AS category_limits
     FROM programs pr WHERE pr.id = $1`,
    [programId],
  );
  return row ? toProgramView(row) : undefined;
}

/** findProgram reads one programme with its category limits and pauses (by start), or undefined. */
export async function findProgram(
  db: Db,
  programId: string,
): Promise<ProgramDetailView | undefined> {
  const program = await findProgramView(db, programId);
  if (!program) return undefined;
  const pauses = await query<PauseRow>(
    db,
    `SELECT id, program_id, name, starts_at, ends_at, multiplier::text FROM program_pauses
     WHERE program_id = $1 ORDER BY starts_at, id`,
    [programId],
  );
  return { ...program, pauses: pauses.map(toPauseView) };
}

/** CreateProgramInput is a new programme (SPEC.md §8); amounts in minor units per period. */
export interface CreateProgramInput {
  id: string;
  name: string;
  currency: string;
  allowanceMinor: number;
  period: AllowancePeriod;
  categoryLimits: Record<string, number>;
  createdBy: string;
}

/**
 * createProgram inserts a programme, its category limits and its ledger funding account in ONE
 * statement: an `external` account owned by the programme (may go negative: it is the
 * sponsor, whose payments keep the ledger double-entry). A programme with this ID already
 * there (a retry) is returned as it is.
 */
export async function createProgram(db: Db, input: CreateProgramInput): Promise<ProgramView> {
  const existing = await findProgramView(db, input.id);
  if (existing) return existing;
  try {
    await execute(
      db,
      `WITH a AS (
         INSERT INTO accounts (id, owner_id, kind, currency, allow_negative)
         VALUES ($2, $1, 'external', $4, true) RETURNING id),
       p AS (
         INSERT INTO programs (id, name, currency, allowance_minor, period, funding_account_id, created_by)
         SELECT $1, $3, $4, $5, $6, a.id, $7 FROM a RETURNING id)
       INSERT INTO program_category_limits (program_id, category, limit_minor)
       SELECT p.id, c.key, c.value::bigint FROM p CROSS JOIN jsonb_each_text($8::jsonb) c`,
      [
        input.id,
        newId(),
        input.name,
        input.currency,
        input.allowanceMinor,
        input.period,
        input.createdBy,
        JSON.stringify(input.categoryLimits),
      ],
    );
  } catch (err) {
    // A concurrent retry with the same ID inserted it first: answer with that programme.
    if (pgCode(err) !== '23505') throw err;
  }
  const created = await findProgramView(db, input.id);
  if (!created) throw new Error(`programme ${input.id} vanished after insert`);
  return created;
}

/** AddPauseInput is a new pause: while it runs, `multiplier` (≤ 3 decimals) applies. */
export interface AddPauseInput {
  id: string;
  programId: string;
  name: string;
  startsAt: string;
  endsAt: string;
  multiplier: number;
  createdBy: string;
}

/**
 * addPause records a pause of a programme, under a `FOR UPDATE` lock of the programme row so
 * two overlapping pauses cannot both pass the check. A pause with this ID already there (a
 * retry) is returned as it is.
 * @throws DomainError `not_found` (404) for an unknown programme, `pause_overlap` (409, with
 *   the `pause` it overlaps) when another pause of the programme overlaps [startsAt, endsAt).
 */
export async function addPause(db: Db, input: AddPauseInput): Promise<PauseView> {
  return withTransaction(db, 'add_pause', async (transaction) => {
    const locked = await lockRows(
      db,
      transaction,
      'programs',
      'SELECT id FROM programs WHERE id = $1 FOR UPDATE',
      [input.programId],
    );
    if (locked.length === 0) throw new DomainError('not_found', 'No such programme');
    const [existing] = await query<PauseRow>(
      db,
      `SELECT id, program_id, name, starts_at, ends_at, multiplier::text FROM program_pauses WHERE id = $1`,
      [input.id],
      transaction,
    );
    if (existing) return toPauseView(existing);
    const [overlap] = await query<PauseRow>(
      db,
      `SELECT id, program_id, name, starts_at, ends_at, multiplier::text FROM program_pauses
       WHERE program_id = $1 AND starts_at < $3 AND ends_at > $2 ORDER BY starts_at LIMIT 1`,
      [input.programId, input.startsAt, input.endsAt],
      transaction,
    );
    if (overlap) {
      throw new DomainError('pause_overlap', `The pause overlaps the pause “${overlap.name}”`, {
        pause: toPauseView(overlap),
      });
    }
    const [row] = await execute<PauseRow>(
      db,
      `INSERT INTO program_pauses (id, program_id, name, starts_at, ends_at, multiplier, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, program_id, name, starts_at, ends_at, multiplier::text`,
      [
        input.id,
        input.programId,
        input.name,
        input.startsAt,
        input.endsAt,
        multiplierText(input.multiplier),
        input.createdBy,
      ],
      transaction,
    );
    return toPauseView(row!);
  });
}

/** ParticipantRow is a `program_participants` row. */
interface ParticipantRow {
  customer_id: string;
  program_id: string;
  joined_at: Date;
}

/** findParticipant reads a customer's programme membership, or undefined. */
export async function findParticipant(
  db: Db,
  customerId: string,
): Promise<ParticipantView | undefined> {
  const [row] = await query<ParticipantRow>(
    db,
    'SELECT customer_id, program_id, joined_at FROM program_participants WHERE customer_id = $1',
    [customerId],
  );
  return row
    ? {
        customerId: row.customer_id,
        programId: row.program_id,
        joinedAt: row.joined_at.toISOString(),
      }
    : undefined;
}

/**
 * joinProgram makes a customer a participant of a programme, in one statement (a customer is
 * in at most one programme: the participant's primary key).
 * @throws DomainError `already_participant` (409, with the `programId` the customer is in, also
 *   when it is this one), `not_found` (404) for an unknown programme.
 */
export async function joinProgram(
  db: Db,
  input: { programId: string; customerId: string },
): Promise<ParticipantView> {
  const [joined] = await execute<ParticipantRow>(
    db,
    `INSERT INTO program_participants (customer_id, program_id)
     SELECT $1, id FROM programs WHERE id = $2
     ON CONFLICT (customer_id) DO NOTHING RETURNING customer_id, program_id, joined_at`,
    [input.customerId, input.programId],
  );
  if (joined) {
    const { customer_id: customerId, program_id: programId, joined_at: joinedAt } = joined;
    return { customerId, programId, joinedAt: joinedAt.toISOString() };
  }
  const existing = await findParticipant(db, input.customerId);
  if (!existing) throw new DomainError('not_found', 'No such programme');
  throw new DomainError('already_participant', 'The customer is already in a programme', {
    customerId: existing.customerId,
    programId: existing.programId,
  });
}

/** AddVoucherInput is a new voucher of a participant: `multiplier` (≤ 3 decimals) until expiresAt. */
export interface AddVoucherInput {
  id: string;
  customerId: string;
  multiplier: number;
  expiresAt: string;
  createdBy: string;
}

/**
 * addVoucher gives a participant a voucher, in one statement; a voucher with this ID already
 * there (a retry) is returned as it is.
 * @throws DomainError `not_found` (404) when the customer is in no programme.
 */
export async function addVoucher(db: Db, input: AddVoucherInput): Promise<VoucherView> {
  await execute(
    db,
    `INSERT INTO participant_vouchers (id, customer_id, multiplier, expires_at, created_by)
     SELECT $1, customer_id, $3, $4, $5 FROM program_participants WHERE customer_id = $2
     ON CONFLICT (id) DO NOTHING`,
    [
      input.id,
      input.customerId,
      multiplierText(input.multiplier),
      input.expiresAt,
      input.createdBy,
    ],
  );
  const [row] = await query<{
    id: string;
    customer_id: string;
    program_id: string;
    multiplier: string;
    expires_at: Date;
    created_at: Date;
  }>(
    db,
    `SELECT v.id, v.customer_id, pp.program_id, v.multiplier::text, v.expires_at, v.created_at
     FROM participant_vouchers v JOIN program_participants pp ON pp.customer_id = v.customer_id
     WHERE v.id = $1`,
    [input.id],
  );
  if (!row) throw new DomainError('not_found', 'The customer is in no allowance programme');
  return {
    id: row.id,
    customerId: row.customer_id,
    programId: row.program_id,
    multiplier: Number(row.multiplier),
    expiresAt: row.expires_at.toISOString(),
    createdAt: row.created_at.toISOString(),
  };
}
