/*
 * The Temporal server's own request counts per definite answer: the dev server's Prometheus
 * endpoint (`--metrics-port`), scraped before and after each run. Two counters of the server
 * (go.temporal.io/server common/metrics): `service_requests`, one per RPC a service receives,
 * of which those with service_name="frontend" are the RPCs of clients and workers (starts,
 * Updates, polls, task completions); and `persistence_requests`, one per call into the
 * persistence layer (SQLite or PostgreSQL), of any service. Both are labelled by namespace and
 * operation; only namespace="default" (holdfast's, and the bench's no-op) counts, so the
 * server's own `temporal_system` workflows and the shard-level work labelled "system" stay out
 * of the headline figures (JSON keeps the latter as persistenceOtherNamespacesPerOk).
 */

/** TEMPORAL_NAMESPACE is the namespace whose requests count (the bench runs in `default`). */
const TEMPORAL_NAMESPACE = 'default';
/** SCRAPE_TIMEOUT_MS bounds one scrape; a failed scrape leaves the run's figures blank. */
const SCRAPE_TIMEOUT_MS = 5_000;
/** TOP_OPERATIONS is how many operations the JSON breakdowns keep, most requests first. */
const TOP_OPERATIONS = 12;

/** CounterKey names one counted series: which counter, namespace, service and operation. */
interface CounterKey {
  metric: 'service_requests' | 'persistence_requests';
  namespace: string;
  service: string;
  operation: string;
}

/** TemporalCounters are the server's counters at one moment, by JSON-encoded CounterKey. */
export type TemporalCounters = Map<string, number>;

/** TemporalCost is a run's Temporal requests per definite answer (the CPU columns' denominator). */
export interface TemporalCost {
  /** frontendRequestsPerOk: service_requests of the frontend, namespace default, per ok. */
  frontendRequestsPerOk: number;
  /** persistenceRequestsPerOk: persistence_requests of every service, namespace default, per ok. */
  persistenceRequestsPerOk: number;
  /** frontendOperationsPerOk: the top frontend operations (StartWorkflowExecution, …) per ok. */
  frontendOperationsPerOk: Record<string, number>;
  /** persistenceOperationsPerOk: the top persistence operations (all services) per ok. */
  persistenceOperationsPerOk: Record<string, number>;
  /**
   * persistenceOtherNamespacesPerOk: persistence requests per ok labelled with another
   * namespace ("system": shard-level queue reads and shard updates the load also causes;
   * "temporal_system": the server's own workflows), left out of persistenceRequestsPerOk.
   */
  persistenceOtherNamespacesPerOk: Record<string, number>;
}

const METRICS = new Set<CounterKey['metric']>(['service_requests', 'persistence_requests']);

/** parseCounters reads the two counters' series out of Prometheus text (other lines ignored). */
export function parseCounters(text: string): TemporalCounters {
  const counters: TemporalCounters = new Map();
  for (const line of text.split('\n')) {
    const match = /^(\w+)\{(.*)\}\s+(\S+)/.exec(line);
    if (!match || !METRICS.has(match[1] as CounterKey['metric'])) continue;
    const labels = Object.fromEntries(
      [...match[2]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    const key: CounterKey = {
      metric: match[1] as CounterKey['metric'],
      namespace: labels.namespace ?? TEMPORAL_NAMESPACE,
      service: labels.service_name ?? '',
      operation: labels.operation ?? '',
    };
    const value = Number(match[3]);
    if (!Number.isFinite(value)) continue;
    const id = JSON.stringify(key);
    counters.set(id, (counters.get(id) ?? 0) + value);
  }
  return counters;
}

/**
 * scrapeTemporalCounters reads the server's counters at `metricsUrl`; undefined when there is
 * no URL or the scrape fails (the run's Temporal figures are then blank, the run still counts).
 */
export async function scrapeTemporalCounters(
  metricsUrl: string | undefined,
): Promise<TemporalCounters | undefined> {
  if (!metricsUrl) return undefined;
  try {
    const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
    if (!res.ok) return undefined;
    return parseCounters(await res.text());
  } catch {
    return undefined;
  }
}

/** topPerOk keeps the `TOP_OPERATIONS` largest counts, each divided by `okCount`. */
function topPerOk(counts: Map<string, number>, okCount: number): Record<string, number> {
  return Object.fromEntries(
    [...counts.entries()]
      .filter(([, count]) => count > 0)
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP_OPERATIONS)
      .map(([name, count]) => [name, count / okCount]),
  );
}

/** add adds `value` to `map`'s entry `name`. */
function add(map: Map<string, number>, name: string, value: number): void {
  map.set(name, (map.get(name) ?? 0) + value);
}

/**
 * temporalCost is what the server did between `before` and `after` per definite answer:
 * undefined without both scrapes, without an ok answer, or when a counter went back (the
 * server restarted).
 */
export function temporalCost(
  before: TemporalCounters | undefined,
  after: TemporalCounters | undefined,
  okCount: number,
): TemporalCost | undefined {
  if (!before || !after || okCount <= 0) return undefined;
  const frontend = new Map<string, number>();
  const persistence = new Map<string, number>();
  const otherNamespaces = new Map<string, number>();
  for (const [id, value] of after) {
    const delta = value - (before.get(id) ?? 0);
    if (delta < 0) return undefined;
    const key = JSON.parse(id) as CounterKey;
    if (key.metric === 'persistence_requests' && key.namespace !== TEMPORAL_NAMESPACE && delta > 0)
      add(otherNamespaces, key.namespace, delta);
    if (key.namespace !== TEMPORAL_NAMESPACE) continue;
    if (key.metric === 'persistence_requests') add(persistence, key.operation, delta);
    else if (key.service === 'frontend') add(frontend, key.operation, delta);
  }
  const total = (counts: Map<string, number>) =>
    [...counts.values()].reduce((sum, count) => sum + count, 0);
  return {
    frontendRequestsPerOk: total(frontend) / okCount,
    persistenceRequestsPerOk: total(persistence) / okCount,
    frontendOperationsPerOk: topPerOk(frontend, okCount),
    persistenceOperationsPerOk: topPerOk(persistence, okCount),
    persistenceOtherNamespacesPerOk: Object.fromEntries(
      [...otherNamespaces.entries()].map(([namespace, count]) => [namespace, count / okCount]),
    ),
  };
}
