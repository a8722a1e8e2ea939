import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { listenerFetches, METRICS_PATH } from '../../api/server';
import { loadConfig } from '../../config';

/** app stands in for createApp: the same /metrics and /healthz routes, nothing else. */
function app() {
  const hono = new Hono();
  hono.get(METRICS_PATH, (c) => c.text('holdfast_up 1\n'));
  hono.get('/healthz', (c) => c.json({ status: 'ok' }));
  return hono;
}

const at = (path: string) => new Request(`http://api.test${path}`);

describe('METRICS_PORT: /metrics off the public port (SPEC.md §9)', () => {
  it('defaults to 0, and then the public listener is the whole app', async () => {
    expect(loadConfig({}).metricsPort).toBe(0);
    const { publicFetch, metricsFetch } = listenerFetches(app(), 0);
    expect(metricsFetch).toBeUndefined();
    expect((await publicFetch(at('/metrics'))).status).toBe(200);
  });

  it('when set, the public port answers /metrics 404 in every spelling the router accepts', async () => {
    expect(loadConfig({ METRICS_PORT: '9464' }).metricsPort).toBe(9464);
    const { publicFetch } = listenerFetches(app(), 9464);
    for (const path of ['/metrics', '/metrics?x=1', '/%6Detrics', '/%6detrics', '/metrics/']) {
      const res = await publicFetch(at(path));
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).not.toContain('holdfast_up');
    }
    expect((await publicFetch(at('/healthz'))).status).toBe(200);
  });

  it('when set, the internal port serves /metrics and nothing else', async () => {
    const { metricsFetch } = listenerFetches(app(), 9464);
    if (!metricsFetch) throw new Error('no metrics listener');
    const res = await metricsFetch(at('/metrics'));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('holdfast_up 1');
    const other = await metricsFetch(at('/healthz'));
    expect(other.status).toBe(404);
    expect(other.headers.get('content-type')).toContain('application/problem+json');
  });

  it('refuses a port outside 0–65535 at start-up, naming the variable', () => {
    expect(() => loadConfig({ METRICS_PORT: '70000' })).toThrow(/METRICS_PORT/);
  });
});
