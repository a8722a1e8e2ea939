import { randomUUID } from 'node:crypto';
import { signToken, type Role } from '../api/middleware/auth';

/** TEST_JWT_SECRET signs every test token. */
export const TEST_JWT_SECRET = 'holdfast-test-secret-0123456789';

/** Actor is a caller of the API: its `sub`, role and a signed bearer token. */
export interface Actor {
  sub: string;
  role: Role;
  token: string;
}

/**
 * signActor returns a fresh user (a random uuid `sub`) of `role`, with a token signed by
 * `secret` (the server's JWT_SECRET); operators also carry `sellerId`.
 */
export async function signActor(input: {
  role: Role;
  secret: string;
  sellerId?: string;
}): Promise<Actor> {
  const sub = randomUUID();
  const token = await signToken({ sub, role: input.role, sellerId: input.sellerId }, input.secret);
  return { sub, role: input.role, token };
}

/** actor returns a fresh user of `role` with a valid token signed by TEST_JWT_SECRET. */
export async function actor(role: Role, sellerId?: string): Promise<Actor> {
  return signActor({ role, sellerId, secret: TEST_JWT_SECRET });
}
