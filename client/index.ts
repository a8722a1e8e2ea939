import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './openapi';

/*
 * holdfast's typed client: openapi-fetch over the types that openapi-typescript generated from
 * the API's own OpenAPI document (client/openapi.ts, `npm run client:generate`), so paths,
 * path parameters, query strings and JSON bodies are checked by the compiler against the same
 * zod schemas that validate them on the server. Response bodies are not described by the
 * document (each route documents its status only), so their type is left to the caller:
 * answerOf() hands the parsed body back as a type the caller names.
 */

/**
 * HoldfastPaths is the generated description of every route (client/openapi.ts): per path
 * template and method, its parameters, request body and documented statuses.
 */
export type HoldfastPaths = paths;

/** HoldfastClient is an openapi-fetch client for every `/v1` route of the holdfast API. */
export type HoldfastClient = Client<paths>;

/** HoldfastPath is any path template of the API (`/v1/orders/{id}/pay`). */
export type HoldfastPath = keyof paths;

/** HoldfastMethod is an HTTP method the API documents, in lower case as in `paths`. */
export type HoldfastMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** HoldfastPathWith is the path templates that answer `method`: `HoldfastPathWith<'post'>`. */
export type HoldfastPathWith<M extends HoldfastMethod> = {
  [P in HoldfastPath]: paths[P] extends { [K in M]: object } ? P : never;
}[HoldfastPath];

/**
 * HoldfastRequestBody is the JSON body `method` on `path` accepts, as its zod schema's input
 * (fields with a default are optional): `HoldfastRequestBody<'/v1/orders', 'post'>`.
 */
export type HoldfastRequestBody<
  P extends HoldfastPathWith<M>,
  M extends HoldfastMethod = 'post',
> = paths[P][M] extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

/**
 * HoldfastQuery is the query string `method` on `path` accepts (`limit`, `cursor`, filters):
 * `HoldfastQuery<'/v1/accounts'>`.
 */
export type HoldfastQuery<
  P extends HoldfastPathWith<M>,
  M extends HoldfastMethod = 'get',
> = paths[P][M] extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/**
 * HoldfastProblem is every refusal's body: RFC 9457 problem+json with holdfast's stable
 * snake_case `code` (SPEC.md §1: `insufficient_stock`, `validation_failed` …), whose HTTP
 * status is `status`. Some codes add members: 422 `validation_failed` has
 * `errors: [{path, message}]`, 409 `insufficient_stock` the short `lines`.
 */
export interface HoldfastProblem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  [member: string]: unknown;
}

/** HoldfastClientOptions say where the API answers and how requests reach it. */
export interface HoldfastClientOptions {
  /** baseUrl is the API's origin without `/v1` (`http://127.0.0.1:3000`); a trailing slash is dropped. */
  baseUrl: string;
  /**
   * fetch sends one Request (default: the global fetch). Tests pass the Hono app's
   * `(request) => app.request(request)`, so requests go through the real app without a server.
   */
  fetch?: (request: Request) => Promise<Response>;
  /** headers go on every request: a long-lived bearer token, say (see bearer()). */
  headers?: Record<string, string>;
  /** timeoutMs aborts any request still unanswered after this many milliseconds (no default). */
  timeoutMs?: number;
}

/**
 * createHoldfastClient returns a typed client for the API at `options.baseUrl`; e.g.
 * `client.POST('/v1/orders', { body, headers: { ...bearer(token), ...idempotencyKey(key) } })`
 * resolves with `{ data, error, response }` (2xx JSON, or the HoldfastProblem of a 4xx/5xx; read
 * with answerOf()) and rejects only when no answer came (network, timeout, a 2xx that is not JSON).
 * @throws Error when `baseUrl` is not an absolute http(s) URL or `timeoutMs` is not positive.
 */
export function createHoldfastClient(options: HoldfastClientOptions): HoldfastClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]/.test(baseUrl))
    throw new Error(`baseUrl must be an absolute http(s) URL, got "${options.baseUrl}"`);
  const { timeoutMs } = options;
  if (timeoutMs !== undefined && !(timeoutMs > 0))
    throw new Error(`timeoutMs must be positive, got ${timeoutMs}`);
  const send = options.fetch ?? ((request: Request) => fetch(request));
  return createClient<paths>({
    baseUrl,
    headers: options.headers,
    fetch:
      timeoutMs === undefined
        ? send
        : (request) =>
            send(
              new Request(request, {
                signal: AbortSignal.any([request.signal, AbortSignal.timeout(timeoutMs)]),
              }),
            ),
  });
}

/** bearer returns the `Authorization: Bearer <token>` header of a caller's JWT. */
export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/**
 * idempotencyKey returns the `Idempotency-Key` header (SPEC.md §1): a POST retried with the same
 * key and body gets the first answer again, with `Idempotent-Replayed: true`. Absent key, no
 * header (an empty object), so `{ ...idempotencyKey(maybeKey) }` is always safe.
 */
export function idempotencyKey(key: string | undefined): { 'idempotency-key'?: string } {
  return key === undefined ? {} : { 'idempotency-key': key };
}

/** HoldfastResult is what every client call resolves with (openapi-fetch's FetchResponse). */
export interface HoldfastResult {
  data?: unknown;
  error?: unknown;
  response: Response;
}

/** HoldfastAnswer is one answer, whatever its status: the body as the caller typed it. */
export interface HoldfastAnswer<T> {
  status: number;
  /** body is the parsed JSON (a HoldfastProblem when not 2xx); text that is not JSON stays text. */
  body: T;
  headers: Headers;
  /** replayed is true when the answer carried `Idempotent-Replayed: true` (a repeated key). */
  replayed: boolean;
}

/**
 * answerOf turns a client call's result into one HoldfastAnswer: status, headers, and the body
 * of a 2xx (`data`) or a refusal (`error`) typed as `T`, which the caller names because the
 * OpenAPI document does not describe response bodies (`domain/` has their types: OrderView …).
 */
export function answerOf<T = unknown>(result: HoldfastResult): HoldfastAnswer<T> {
  const { response } = result;
  return {
    status: response.status,
    body: (response.ok ? result.data : result.error) as T,
    headers: response.headers,
    replayed: response.headers.get('idempotent-replayed') === 'true',
  };
}

/** isProblem tells whether a body is a HoldfastProblem (an object with a string `code`). */
export function isProblem(body: unknown): body is HoldfastProblem {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as { code?: unknown }).code === 'string'
  );
}
