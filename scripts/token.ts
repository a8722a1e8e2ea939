import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { loadConfig } from '../config';
import { signToken, TOKEN_LIFETIME_MAX_SECONDS } from '../api/middleware/auth';

/**
 * `npm run token -- --sub <uuid> --role staff [--seller-id <uuid>] [--ttl-seconds 43200]`
 * prints an HS256 bearer token signed with JWT_SECRET, for local use (SPEC.md §1). Without
 * --sub a random UUID is used.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      role: { type: 'string', default: 'customer' },
      'seller-id': { type: 'string' },
      'ttl-seconds': { type: 'string', default: '43200' },
    },
  });
  const args = z
    .object({
      sub: z.uuid(),
      role: z.enum(['customer', 'staff', 'operator']),
      sellerId: z.uuid().optional(),
      ttlSeconds: z.coerce.number().int().min(1).max(TOKEN_LIFETIME_MAX_SECONDS),
    })
    .parse({
      sub: values.sub ?? randomUUID(),
      role: values.role,
      sellerId: values['seller-id'],
      ttlSeconds: values['ttl-seconds'],
    });
  const config = loadConfig();
  console.log(
    await signToken(
      { sub: args.sub, role: args.role, sellerId: args.sellerId },
      config.jwtSecret,
      args.ttlSeconds,
    ),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
