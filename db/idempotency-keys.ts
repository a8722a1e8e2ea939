import type { Db } from './connection';
import { execute, query } from './transaction';

/** KeyClaim is one caller's Idempotency-Key, the request it stands for and its times (ms). */
export interface KeyClaim {
  subject: string;
  key: string;
  /** fingerprint is the sha-256 hex of the request's method, path and canonical body. */
  fingerprint: string;
  /** ttlMs is how long the key is honoured from now (IDEMPOTENCY_KEY_TTL). */
  ttlMs: number;
  /** leaseMs is how long the claim stays exclusive from now. */
  leaseMs: number;
}

/** KeyRecord is a stored key as a duplicate request reads it. */
export interface KeyRecord {
  fingerprint: string;
  /** statusCode is the stored answer's HTTP status; null while the first request runs. */
  statusCode: number | null;
  responseBody: string | null;
  responseContentType: string | null;
  /** leaseExpired tells whether the claim's lease ran out (its holder crashed or hangs). */
  leaseExpired: boolean;
}

/** StoredAnswer is a definite response as the key keeps it for replay. */
export interface StoredAnswer {
  status: number;
  body: string;
  contentType: string | null;
}

/**
 * claimKey inserts the key with its lease, or takes over an expired row of it; true when this
 * call now holds the key, false when another live request (or a stored answer) has it.
 */
export async function claimKey(db: Db, claim: KeyClaim): Promise<boolean> {
  const rows = await execute<{ key: string }>(
    db,
    `INSERT INTO idempotency_keys (subject, key, fingerprint, locked_until, expires_at)
     VALUES ($1, $2, $3, now() + ($4 || ' milliseconds')::interval, now() + ($5 || ' milliseconds')::interval)
     ON CONFLICT (subject, key) DO UPDATE
       SET fingerprint = EXCLUDED.fingerprint, status_code = NULL, response_body = NULL,
           locked_until = EXCLUDED.locked_until, expires_at = EXCLUDED.expires_at, created_at = now()
       WHERE idempotency_keys.expires_at < now()
     RETURNING key`,
    [claim.subject, claim.key, claim.fingerprint, String(claim.leaseMs), String(claim.ttlMs)],
  );
  return rows.length === 1;
}

/** readKey returns the caller's stored key, or undefined when there is none. */
export async function readKey(
  db: Db,
  subject: string,
  key: string,
): Promise<KeyRecord | undefined> {
  const rows = await query<{
    fingerprint: string;
    status_code: number | null;
    response_body: string | null;
    response_content_type: string | null;
    lease_expired: boolean;
  }>(
    db,
    `SELECT fingerprint, status_code, response_body, response_content_type, locked_until < now() AS lease_expired
     FROM idempotency_keys WHERE subject = $1 AND key = $2`,
    [subject, key],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    fingerprint: row.fingerprint,
    statusCode: row.status_code,
    responseBody: row.response_body,
    responseContentType: row.response_content_type,
    leaseExpired: row.lease_expired,
  };
}

/**
 * takeOverKey claims an unsettled key whose lease ran out for another `leaseMs`; true when
 * this call won it (concurrent retries race, one wins).
 */
export async function takeOverKey(
  db: Db,
  subject: string,
  key: string,
  leaseMs: number,
): Promise<boolean> {
  const rows = await execute<{ key: string }>(
    db,
    `UPDATE idempotency_keys SET locked_until = now() + ($3 || ' milliseconds')::interval
     WHERE subject = $1 AND key = $2 AND status_code IS NULL AND locked_until < now() RETURNING key`,
    [subject, key, String(leaseMs)],
  );
  return rows.length === 1;
}

/** renewKeyLease extends an unsettled key's lease to `leaseMs` from now. */
export async function renewKeyLease(
  db: Db,
  subject: string,
  key: string,
  leaseMs: number,
): Promise<void> {
  await execute(
    db,
    `UPDATE idempotency_keys SET locked_until = now() + ($3 || ' milliseconds')::interval
     WHERE subject = $1 AND key = $2 AND status_code IS NULL`,
    [subject, key, String(leaseMs)],
  );
}

/** storeKeyAnswer settles the key with a definite answer, replayed to every later duplicate. */
export async function storeKeyAnswer(
  db: Db,
  subject: string,
  key: string,
  answer: StoredAnswer,
): Promise<void> {
  await execute(
    db,
    `UPDATE idempotency_keys SET status_code = $3, response_body = $4, response_content_type = $5, locked_until = NULL
     WHERE subject = $1 AND key = $2`,
    [subject, key, answer.status, answer.body, answer.contentType],
  );
}

/** releaseKey deletes an unsettled key, so that a retry runs its request again. */
export async function releaseKey(db: Db, subject: string, key: string): Promise<void> {
  await execute(
    db,
    'DELETE FROM idempotency_keys WHERE subject = $1 AND key = $2 AND status_code IS NULL',
    [subject, key],
  );
}
