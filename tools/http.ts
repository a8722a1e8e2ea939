/**
 * One way to talk JSON to the holdfast API, whatever carries the request: tests hand it the
 * Hono app's `app.request()` (no network), scripts hand it `fetch` against a base URL. It lives in
 * tools/, which scripts and tests import and which imports neither.
 */

/** FetchLike sends one request for an API path (`/v1/orders`) and resolves with its Response. */
export type FetchLike = (path: string, init: RequestInit) => Response | Promise<Response>;

/** ApiResult is one HTTP exchange: status, parsed JSON body (or text) and headers. */
export interface ApiResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** CallOptions shape one request: token, JSON body (or a raw string), Idempotency-Key, headers. */
export interface CallOptions {
  token?: string;
  body?: unknown;
  rawBody?: string;
  key?: string;
  headers?: Record<string, string>;
  /** strictJson makes a reply that is neither empty nor JSON throw a SyntaxError, not return text. */
  strictJson?: boolean;
}

/** ApiCaller sends one request to the API and parses the reply (the test stack and the demo have one). */
export type ApiCaller = <T = any>(
  method: string,
  path: string,
  options?: CallOptions,
) => Promise<ApiResult<T>>;

/**
 * requestJson builds one request (bearer token, JSON body, Idempotency-Key), sends it through
 * `fetchLike` and parses the reply as JSON, keeping the text when it is not JSON (unless
 * `strictJson`) and `undefined` when it is empty. Rejects when `fetchLike` rejects.
 */
export async function requestJson<T = any>(
  fetchLike: FetchLike,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.key) headers['idempotency-key'] = options.key;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetchLike(path, { method, headers, body });
  const text = await res.text();
  return {
    status: res.status,
    body: parseBody(text, options.strictJson) as T,
    headers: res.headers,
  };
}

/** parseBody parses a reply body: `undefined` when empty, JSON, else the text (or throws when strict). */
function parseBody(text: string, strict = false): unknown {
  if (!text) return undefined;
  if (strict) return JSON.parse(text);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * expectStatus returns the body when the reply has `status`, else throws an Error that names
 * `what` (when given), both statuses and the body.
 */
export function expectStatus<T>(
  result: Pick<ApiResult<T>, 'status' | 'body'>,
  status: number,
  what?: string,
): T {
  if (result.status !== status) {
    throw new Error(
      `${what ? `${what}: ` : ''}expected HTTP ${status}, got ${result.status}: ${JSON.stringify(result.body)}`,
    );
  }
  return result.body;
}
