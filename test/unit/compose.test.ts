import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig, type Config } from '../../config';
import { parseDurationMs } from '../../domain/duration';
import { PROJECT_ROOT } from '../../tools/stack/temporal-cli';
import { composeEnv, exposureProblems, type ComposeProject } from '../../tools/compose-check/check';

/** shape is a resolved project in the production shape; each test breaks one rule of it. */
function shape(): ComposeProject {
  return {
    services: {
      api: {
        image: 'holdfast:local',
        ports: [{ target: 3000, published: '3000' }],
        environment: { METRICS_PORT: '9464' },
      },
      temporal: {
        image: 'temporalio/server:1.29.1',
        ports: [{ target: 7233, published: '7233', host_ip: '127.0.0.1' }],
      },
      'temporal-schema': { image: 'temporalio/admin-tools:1.29.1-tctl-1.18.4-cli-1.5.0' },
      'temporal-ui': {
        image: 'temporalio/ui:2.42.1',
        ports: [{ target: 8080, published: '8233', host_ip: '127.0.0.1' }],
      },
    },
  };
}

describe('docker-compose production shape (SPEC.md §9, issue 17)', () => {
  it('accepts the shape: only the API port beyond loopback, server image, internal metrics', () => {
    expect(exposureProblems(shape())).toEqual([]);
  });

  it('when the Web UI is published on every interface, then it is named', () => {
    const project = shape();
    project.services['temporal-ui']!.ports = [{ target: 8080, published: '8233' }];
    expect(exposureProblems(project)).toEqual([
      'temporal-ui: container port 8080 is published on every interface, not on 127.0.0.1',
    ]);
  });

  it('when the frontend binds 0.0.0.0, or the API publishes a second port, then both are named', () => {
    const project = shape();
    project.services.temporal!.ports = [{ target: 7233, published: '7233', host_ip: '0.0.0.0' }];
    project.services.api!.ports!.push({ target: 9229, published: '9229' });
    expect(exposureProblems(project)).toEqual([
      'api: container port 9229 is published on every interface, not on 127.0.0.1',
      'temporal: container port 7233 is published on 0.0.0.0, not on 127.0.0.1',
    ]);
  });

  it('when Temporal runs from auto-setup, then the image is refused', () => {
    const project = shape();
    project.services.temporal!.image = 'temporalio/auto-setup:1.29.1';
    const problems = exposureProblems(project);
    expect(problems).toContain(
      'temporal: runs temporalio/auto-setup:1.29.1, a development image; use temporalio/server',
    );
    expect(problems).toContain('no service runs temporalio/server');
  });

  it('when the schema tool is another release than the server, then it is named', () => {
    const project = shape();
    project.services['temporal-schema']!.image = 'temporalio/admin-tools:1.28.1-tctl-1.18.4';
    expect(exposureProblems(project)).toEqual([
      "temporalio/admin-tools:1.28.1-tctl-1.18.4 is not the server's version 1.29.1",
    ]);
  });

  it('when the API has no METRICS_PORT, or publishes it, then /metrics is public and named', () => {
    const unset = shape();
    unset.services.api!.environment = {};
    expect(exposureProblems(unset)).toEqual([
      'api: METRICS_PORT is not set, so /metrics is served on the public port',
    ]);
    const published = shape();
    published.services.api!.ports!.push({ target: 9464, published: '9464' });
    expect(exposureProblems(published)).toContain('api: METRICS_PORT 9464 is published');
  });

  it('runs the validator in a closed environment: no .env file, no inherited secrets', () => {
    const env = composeEnv({ JWT_SECRET: 'x' });
    expect(env).toEqual({
      PATH: process.env.PATH,
      COMPOSE_DISABLE_ENV_FILE: 'true',
      JWT_SECRET: 'x',
    });
  });
});

/** ComposeService is the part of a service in docker-compose.yml these tests read. */
interface ComposeService {
  environment?: Record<string, string>;
  stop_grace_period?: string;
}

/** composeServices reads docker-compose.yml as written (anchors and `<<` merges resolved). */
function composeServices(): Record<string, ComposeService> {
  const text = readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8');
  return (parse(text, { merge: true }) as { services: Record<string, ComposeService> }).services;
}

/**
 * defaultsOf is a service's environment as Compose resolves it when the operator sets nothing:
 * `${NAME:-default}` becomes its default; required secrets get stand-ins.
 */
function defaultsOf(service: ComposeService): Record<string, string> {
  const env = Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([name, value]) => [
      name,
      value.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1'),
    ]),
  );
  return {
    ...env,
    JWT_SECRET: 'compose-test-secret-0123456789abcdef',
    DATABASE_URL: 'postgres://holdfast:x@postgres:5432/holdfast',
  };
}

/** PASSED_THROUGH are the limits and TTLs of SPEC an operator sets through Compose. */
const PASSED_THROUGH: [string, keyof Config][] = [
  ['ORDER_PAYMENT_TTL', 'orderPaymentTtlMs'],
  ['BOOKING_HOLD_TTL', 'bookingHoldTtlMs'],
  ['APPROVAL_TTL', 'approvalTtlMs'],
  ['IDEMPOTENCY_KEY_TTL', 'idempotencyKeyTtlMs'],
  ['BODY_MAX_BYTES', 'bodyMaxBytes'],
  ['LIST_LIMIT_MAX', 'listLimitMax'],
  ['REQUEST_TIMEOUT', 'requestTimeoutMs'],
];

describe('docker-compose.yml passes the limits through and lets the API drain (SPEC.md §1, §9)', () => {
  it.each(['api', 'worker'])(
    'the %s service takes every TTL and limit from the environment, defaulting to config.ts',
    (name) => {
      const service = composeServices()[name]!;
      const resolved = loadConfig(defaultsOf(service));
      const defaults = loadConfig({});

      for (const [variable, field] of PASSED_THROUGH) {
        expect(service.environment?.[variable], variable).toMatch(
          new RegExp(`^\\$\\{${variable}:-[^}]+\\}$`),
        );
        expect(resolved[field], variable).toEqual(defaults[field]);
      }
    },
  );

  it('gives the API a stop grace period above its drain delay plus REQUEST_TIMEOUT', () => {
    const api = composeServices().api!;
    const config = loadConfig(defaultsOf(api));
    const graceMs = parseDurationMs(api.stop_grace_period ?? '');

    expect(config.shutdownDrainDelayMs).toBeGreaterThan(0);
    expect(graceMs).toBeGreaterThan(config.shutdownDrainDelayMs + config.requestTimeoutMs);
  });
});
