import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config';

/* The webhook and event variables of SPEC.md §11, validated at start-up like every other. */

describe('webhook configuration', () => {
  it('when unset, then the SPEC defaults: https only, public only, 10s, 5s, 1h, 3d, 5, 30 days', () => {
    expect(loadConfig({})).toMatchObject({
      webhookAllowHttp: false,
      webhookAllowPrivate: false,
      webhookTimeoutMs: 10_000,
      webhookBackoffBaseMs: 5_000,
      webhookBackoffMaxMs: 3_600_000,
      webhookRetryForMs: 3 * 86_400_000,
      webhookFailuresToDisable: 5,
      eventRetentionDays: 30,
    });
  });

  it('when set, then each is read with its unit', () => {
    const config = loadConfig({
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOW_PRIVATE: '1',
      WEBHOOK_TIMEOUT: '2500ms',
      WEBHOOK_BACKOFF_BASE: '1s',
      WEBHOOK_BACKOFF_MAX: '10m',
      WEBHOOK_RETRY_FOR: '7d',
      WEBHOOK_FAILURES_TO_DISABLE: '1',
      EVENT_RETENTION_DAYS: '90',
    });
    expect(config).toMatchObject({
      webhookAllowHttp: true,
      webhookAllowPrivate: true,
      webhookTimeoutMs: 2_500,
      webhookBackoffBaseMs: 1_000,
      webhookBackoffMaxMs: 600_000,
      webhookRetryForMs: 7 * 86_400_000,
      webhookFailuresToDisable: 1,
      eventRetentionDays: 90,
    });
  });

  it.each([
    ['WEBHOOK_ALLOW_HTTP', 'yes'],
    ['WEBHOOK_ALLOW_PRIVATE', ''],
    ['WEBHOOK_TIMEOUT', '10'],
    ['WEBHOOK_RETRY_FOR', '400d'],
    ['WEBHOOK_FAILURES_TO_DISABLE', '0'],
    ['EVENT_RETENTION_DAYS', '0'],
  ])('when %s is %j, then start-up stops naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}:`));
  });
});
