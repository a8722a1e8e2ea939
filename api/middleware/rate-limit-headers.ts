import type { RateLimitView } from '../../domain/order-gate';

/**
 * formatRateLimitHeaders states a rate limit in the IETF draft's structured fields
 * (draft-ietf-httpapi-ratelimit-headers-10, SPEC.md §1 "Rate limits"), for the policy named
 * `policyName`: `RateLimit-Policy: "<name>";q=<quota>;w=<window seconds>` and
 * `RateLimit: "<name>";r=<remaining>;t=<seconds to reset>`. Shared by the order gate's
 * throttle ("orders") and the write limit ("writes").
 */
export function formatRateLimitHeaders(
  policyName: string,
  rateLimit: RateLimitView,
): Record<string, string> {
  const name = `"${policyName}"`;
  return {
    'ratelimit-policy': `${name};q=${rateLimit.limit};w=${rateLimit.windowSeconds}`,
    ratelimit: `${name};r=${rateLimit.remaining};t=${rateLimit.resetSeconds}`,
  };
}
