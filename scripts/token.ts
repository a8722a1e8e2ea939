import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { loadConfig } from '../config';
import { signToken, TOKEN_LIFETIME_MAX_SECONDS } from '../api/middleware/auth';
import { exitWithUsage, parseCli } from './shared/cli';

/** DEFAULT_TTL_SECONDS is a token's lifetime unless --ttl-seconds says otherwise (12 h). */
const DEFAULT_TTL_SECONDS = 43_200;

/** USAGE is printed for --help, and on stderr with exit code 2 for a bad command line. */
const USAGE = `usage: npm run token -- [--role customer|staff|operator] [--sub <uuid>] [--seller-id <uuid>] [--ttl-seconds N]
  --role         who the token speaks for: customer (default), staff or operator
  --sub          the caller's id, a UUID (default: a new random one)
  --seller-id    the seller an operator acts for, a UUID: required with --role operator, and
                 only with it
  --ttl-seconds  how long the token is valid, 1-${TOKEN_LIFETIME_MAX_SECONDS} seconds (default ${DEFAULT_TTL_SECONDS}, 12 h);
                 its exp, which may lie at most 24 h ahead (SPEC.md §1)
Prints an HS256 bearer token signed with JWT_SECRET (the API's).
Example: npm run -s token -- --role operator --seller-id <uuid>`;

/** TTL_ERROR says what --ttl-seconds takes. */
const TTL_ERROR = `--ttl-seconds must be a whole number of seconds from 1 to ${TOKEN_LIFETIME_MAX_SECONDS}`;

/** ARGS are the token's claims and lifetime, as the command line must give them. */
const ARGS = z
  .object({
    sub: z.uuid({ error: '--sub must be a UUID' }),
    role: z.enum(['customer', 'staff', 'operator'], {
      error: '--role must be customer, staff or operator',
    }),
    sellerId: z.uuid({ error: '--seller-id must be a UUID' }).optional(),
    ttlSeconds: z.coerce
      .number({ error: TTL_ERROR })
      .int({ error: TTL_ERROR })
      .min(1, { error: TTL_ERROR })
      .max(TOKEN_LIFETIME_MAX_SECONDS, { error: TTL_ERROR }),
  })
  .refine((args) => (args.role === 'operator') === (args.sellerId !== undefined), {
    error: '--seller-id is required with --role operator, and only with it',
  });

/** parseTokenArgs reads the command line; see USAGE. Exits 0 for --help and 2 when it is bad. */
function parseTokenArgs(): z.infer<typeof ARGS> {
  const { values } = parseCli(USAGE, {
    options: {
      sub: { type: 'string' },
      role: { type: 'string', default: 'customer' },
      'seller-id': { type: 'string' },
      'ttl-seconds': { type: 'string', default: String(DEFAULT_TTL_SECONDS) },
    },
  });
  const parsed = ARGS.safeParse({
    sub: values.sub ?? randomUUID(),
    role: values.role,
    sellerId: values['seller-id'],
    ttlSeconds: values['ttl-seconds'],
  });
  if (!parsed.success) exitWithUsage(USAGE, parsed.error.issues[0]?.message ?? 'bad arguments');
  return parsed.data;
}

/**
 * `npm run token -- [--role R] [--sub <uuid>] [--seller-id <uuid>] [--ttl-seconds N]` prints
 * an HS256 bearer token signed with JWT_SECRET, for local use (SPEC.md §1); see USAGE.
 */
async function main(): Promise<void> {
  const args = parseTokenArgs();
  const config = loadConfig();
  // On stderr, so `$(npm run -s token)` still captures the token alone.
  if (config.jwtSecretIsDevelopment) {
    console.error('JWT_SECRET is unset: signed with the public development secret (npm run dev)');
  }
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
