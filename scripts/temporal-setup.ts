import { loadConfig } from '../config';
import { parseDurationMs } from '../domain/duration';
import { DEFAULT_RETENTION, ensureTemporalSetup } from '../lib/temporal-setup';

/**
 * `npm run temporal:setup`: registers TEMPORAL_NAMESPACE (retention
 * TEMPORAL_NAMESPACE_RETENTION, default 72h) and the custom search attributes of
 * domain/search-attributes.ts on the server at TEMPORAL_ADDRESS (lib/temporal-setup.ts).
 * docker-compose.yml runs it as the one-shot `temporal-setup` service. Exits 1 on a failure.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const retention = process.env.TEMPORAL_NAMESPACE_RETENTION ?? DEFAULT_RETENTION;
  const retentionMs = parseDurationMs(retention);
  if (retentionMs === undefined) {
    throw new Error(`TEMPORAL_NAMESPACE_RETENTION: "${retention}" is not a duration like 72h`);
  }
  await ensureTemporalSetup({
    address: config.temporalAddress,
    namespace: config.temporalNamespace,
    retentionMs,
    log: (line) => console.log(`temporal-setup: ${line}`),
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
