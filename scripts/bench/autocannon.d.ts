/**
 * The part of autocannon 9's library API the bench uses (the package ships no types, and
 * @types/autocannon is not a dependency): run options with per-request setup, the result, and
 * the returned tracker, which is both an EventEmitter (`stop()`) and a promise of the result.
 */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  /** Request is one request autocannon sends; setupRequest may rewrite it before each send. */
  export interface Request {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    setupRequest?: (request: Request, context: Record<string, unknown>) => Request | undefined;
  }

  /** Options configure one run. `duration` is in seconds, `timeout` in seconds per request. */
  export interface Options {
    url: string;
    connections?: number;
    duration?: number;
    timeout?: number;
    pipelining?: number;
    method?: string;
    headers?: Record<string, string>;
    requests?: Request[];
  }

  /** Histogram is autocannon's summary of one measure (latency in ms). */
  export interface Histogram {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    p50: number;
    p90: number;
    p97_5: number;
    p99: number;
    totalCount: number;
  }

  /** Result is the outcome of one run. `duration` is in seconds. */
  export interface Result {
    duration: number;
    start: Date;
    finish: Date;
    errors: number;
    timeouts: number;
    non2xx: number;
    resets: number;
    statusCodeStats: Record<string, { count: number }>;
    latency: Histogram;
    requests: Histogram & { sent: number };
  }

  /** Instance is a running load: stop() ends it early; awaiting it yields the Result. */
  export interface Instance extends EventEmitter, PromiseLike<Result> {
    stop(): void;
  }

  function autocannon(options: Options): Instance;
  export default autocannon;
}
