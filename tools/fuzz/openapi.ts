import fc from 'fast-check';
import { DAY_MS } from '../../domain/duration';

/*
 * The fuzzer's reading of the API's own OpenAPI document (GET /openapi.json): the operations
 * it lists, and fast-check arbitraries that build values from the JSON Schemas of their bodies
 * and parameters — usually of the right shape, sometimes not.
 */

/** JsonSchema is the subset of JSON Schema the holdfast document uses (inline, no $ref). */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
}

/** QueryParameter is one documented query parameter of an operation. */
export interface QueryParameter {
  name: string;
  schema: JsonSchema;
}

/** FuzzOperation is one documented route: method, path template, parameters, body schema. */
export interface FuzzOperation {
  method: string;
  /** path is the OpenAPI template, `/v1/orders/{id}/pay`. */
  path: string;
  /** summary is the operation's one-line description (it names the roles allowed). */
  summary: string;
  pathParams: string[];
  query: QueryParameter[];
  body: JsonSchema | undefined;
}

/** OpenApiDocument is the part of an OpenAPI 3.1 document the fuzzer reads. */
interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        summary?: string;
        parameters?: { name: string; in: string; schema?: JsonSchema }[];
        requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
      }
    >
  >;
}

const HTTP_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

/**
 * operationsOf lists every operation of an OpenAPI document, in document order.
 * @throws Error when the document has no paths (not the holdfast document).
 */
export function operationsOf(document: unknown): FuzzOperation[] {
  const doc = document as OpenApiDocument;
  if (!doc?.paths || Object.keys(doc.paths).length === 0)
    throw new Error('the OpenAPI document lists no paths');
  const operations: FuzzOperation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      if (!HTTP_METHODS.has(method)) continue;
      const parameters = operation.parameters ?? [];
      operations.push({
        method: method.toUpperCase(),
        path,
        summary: operation.summary ?? '',
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query: parameters
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        body: operation.requestBody?.content?.['application/json']?.schema,
      });
    }
  }
  return operations;
}

/**
 * Hint returns an arbitrary for a property named `key` (a product ID from the seeded world, a
 * date near today …), or undefined to let the schema decide.
 */
export type Hint = (key: string, schema: JsonSchema) => fc.Arbitrary<unknown> | undefined;

/** STRING_LENGTH_MAX bounds generated strings; longer ones come from the explicit edge cases. */
const STRING_LENGTH_MAX = 40;

/**
 * schemaValue is an arbitrary for values of `schema`, mostly valid: enums, formats (uuid,
 * date-time), the currency and date patterns, integer and length bounds, required keys. About
 * one value in ten crosses a bound (a minimum − 1, an over-long string). `hint` overrides the
 * value of any property it knows by name.
 */
export function schemaValue(schema: JsonSchema, hint: Hint, key = ''): fc.Arbitrary<unknown> {
  const hinted = key ? hint(key, schema) : undefined;
  if (hinted) return hinted;
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object':
      return objectValue(schema, hint);
    case 'array':
      return fc.array(schemaValue(schema.items ?? {}, hint), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 3, 3),
      });
    case 'integer':
      return numberValue(schema, true);
    case 'number':
      return numberValue(schema, false);
    case 'boolean':
      return fc.boolean();
    case 'string':
      return stringValue(schema);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** objectValue builds an object: every required key, each optional key three times in four. */
function objectValue(schema: JsonSchema, hint: Hint): fc.Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, property] of Object.entries(properties)) {
    const value = schemaValue(property, hint, name);
    model[name] = required.has(name) ? value : fc.option(value, { nil: undefined, freq: 4 });
  }
  const base = fc
    .record(model)
    .map((record) =>
      Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)),
    );
  const extra = schema.additionalProperties;
  if (!extra || typeof extra !== 'object') return base;
  return fc
    .tuple(
      base,
      fc.dictionary(fc.string({ maxLength: 12 }), schemaValue(extra, hint), { maxKeys: 3 }),
    )
    .map(([known, more]) => ({ ...more, ...known }));
}

/** numberValue is a number within the schema's bounds, or now and then just outside them. */
function numberValue(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? 0 : -1_000_000);
  const max = Math.min(schema.maximum ?? 1_000_000_000, Number.MAX_SAFE_INTEGER);
  const inRange = integer
    ? fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min, max: Math.min(max, min + 10) }) },
        { weight: 2, arbitrary: fc.integer({ min, max: Math.min(max, min + 1_000) }) },
        { weight: 1, arbitrary: fc.integer({ min, max }) },
      )
    : fc.double({ min: Math.max(min, 0.001), max, noNaN: true, noDefaultInfinity: true });
  const edges = fc.constantFrom(min - 1, max + 1, 0, -1, 1.5, 1e16, 2 ** 53, -0);
  return fc.oneof({ weight: 19, arbitrary: inRange }, { weight: 1, arbitrary: edges });
}

/** stringValue follows a string schema's format and pattern when it is one the fuzzer knows. */
function stringValue(schema: JsonSchema): fc.Arbitrary<string> {
  if (schema.format === 'uuid') return fc.uuid();
  if (schema.format === 'date-time') return dateTimeValue();
  if (schema.pattern === '^[A-Z]{3}$') return currencyValue();
  if (schema.pattern?.startsWith('^\\d{4}-\\d{2}-\\d{2}$')) return dateValue();
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.max(
    minLength,
    Math.min(schema.maxLength ?? STRING_LENGTH_MAX, STRING_LENGTH_MAX),
  );
  const text = fc.string({ minLength, maxLength, unit: 'grapheme' });
  const edges = fc.constantFrom(
    '',
    ' ',
    'x'.repeat((schema.maxLength ?? 500) + 1),
    'a\u0000b',
    'é',
  );
  return fc.oneof({ weight: 19, arbitrary: text }, { weight: 1, arbitrary: edges });
}

/**
 * dateTimeValue is an ISO-8601 instant: mostly within a year of now (past and future), else
 * an edge (the epoch, year 9999, a date without a zone, garbage).
 */
export function dateTimeValue(): fc.Arbitrary<string> {
  const near = fc
    .oneof(
      { weight: 3, arbitrary: fc.integer({ min: -1, max: 60 }) },
      { weight: 1, arbitrary: fc.integer({ min: -30, max: 400 }) },
    )
    .chain((days) => fc.integer({ min: 0, max: DAY_MS - 1 }).map((ms) => days * DAY_MS + ms))
    .map((offsetMs) => new Date(Date.now() + offsetMs).toISOString());
  const edges = fc.constantFrom(
    '1970-01-01T00:00:00.000Z',
    '9999-12-31T23:59:59.999Z',
    '2030-02-30T00:00:00Z',
    '2030-01-01',
    '2030-01-01T00:00:00+02:00',
    'tomorrow',
    '',
  );
  return fc.oneof({ weight: 9, arbitrary: near }, { weight: 1, arbitrary: edges });
}

/** dateValue is a UTC calendar date YYYY-MM-DD: mostly near today, sometimes impossible. */
export function dateValue(): fc.Arbitrary<string> {
  const near = fc
    .oneof(
      { weight: 3, arbitrary: fc.integer({ min: -1, max: 20 }) },
      { weight: 1, arbitrary: fc.integer({ min: -3, max: 400 }) },
    )
    .map((days) => new Date(Date.now() + days * DAY_MS).toISOString().slice(0, 10));
  const edges = fc.constantFrom('2030-02-30', '0000-00-00', '2030-13-01', '99999-01-01', '');
  return fc.oneof({ weight: 9, arbitrary: near }, { weight: 1, arbitrary: edges });
}

/** currencyValue is mostly EUR (the seeded world's currency), else another or a bad code. */
export function currencyValue(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant('EUR') },
    { weight: 2, arbitrary: fc.constantFrom('USD', 'GBP', 'JPY') },
    { weight: 2, arbitrary: fc.constantFrom('eur', 'EU', 'EURO', '€', '') },
  );
}

/**
 * Mutation is one way to spoil a valid object: drop a key, add an unknown one, or give a key a
 * value of another type.
 */
export type Mutation =
  | { kind: 'drop'; index: number }
  | { kind: 'unknown'; key: string; value: unknown }
  | { kind: 'retype'; index: number; value: unknown };

/** mutationValue is an arbitrary Mutation. */
export function mutationValue(): fc.Arbitrary<Mutation> {
  const value = fc.jsonValue({ maxDepth: 2 });
  return fc.oneof(
    fc.record({ kind: fc.constant('drop' as const), index: fc.nat() }),
    fc.record({ kind: fc.constant('unknown' as const), key: fc.string({ maxLength: 10 }), value }),
    fc.record({ kind: fc.constant('retype' as const), index: fc.nat(), value }),
  );
}

/** mutate applies `mutation` to a copy of `value` when it is an object; else returns it. */
export function mutate(value: unknown, mutation: Mutation): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (mutation.kind === 'unknown') return { ...copy, [mutation.key]: mutation.value };
  if (keys.length === 0) return copy;
  const key = keys[mutation.index % keys.length]!;
  if (mutation.kind === 'drop') delete copy[key];
  else copy[key] = mutation.value;
  return copy;
}
