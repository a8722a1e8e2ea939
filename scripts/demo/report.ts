import type { DemoResult, Problem } from './client';

/**
 * The report printer both demo scenes use: section headings, amounts, boxed tables, counts of
 * answers and a rush's rate and latency percentiles.
 */

/** heading prints a section title as a `=== title ===…` rule. */
export function heading(title: string): void {
  console.log(`\n=== ${title} ${'='.repeat(Math.max(3, 74 - title.length))}`);
}

/** euros formats an amount in minor units (cents) as `€1,234.56`. */
export function euros(amountMinor: number): string {
  const sign = amountMinor < 0 ? '-' : '';
  const abs = Math.abs(amountMinor);
  return `${sign}€${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
}

/** TableRow is one line of a report table (column → cell) and the problems its figures show. */
export interface TableRow {
  row: Record<string, string | number>;
  problems: string[];
}

/**
 * formatTable renders rows as a boxed text table (first column left-aligned, others right);
 * the last `footerRows` rows are set apart by a rule.
 */
export function formatTable(
  rows: readonly Record<string, string | number>[],
  footerRows = 0,
): string {
  const columns = Object.keys(rows[0] ?? {});
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const render = (cells: string[]) =>
    `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`;
  const body = rows.map((r) => render(columns.map((c) => String(r[c]))));
  const split = body.length - footerRows;
  const footer = footerRows > 0 ? [rule, ...body.slice(split)] : [];
  return [rule, render(columns), rule, ...body.slice(0, split), ...footer, rule].join('\n');
}

/**
 * formatCounts counts `items` by `keyOf` and renders `key ×n, …` in first-seen order (`key n,
 * …` with `separator` ' '); '' when there are none.
 */
export function formatCounts<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  separator = ' ×',
): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(keyOf(item), (counts.get(keyOf(item)) ?? 0) + 1);
  return [...counts.entries()].map(([key, n]) => `${key}${separator}${n}`).join(', ');
}

/** answerKey names an answer by status and, for a refusal, its code: `201`, `409 insufficient_stock`. */
export function answerKey(result: DemoResult<Problem | null>): string {
  return `${result.status}${result.body?.code ? ` ${result.body.code}` : ''}`;
}

/** RushFigures are a rush's request count, rate (requests/s) and latency percentiles (ms). */
export interface RushFigures {
  requestCount: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

/**
 * rushFigures computes a rush's rate (`requestCount`, default one a result, ÷ wall time) and
 * the p50, p95 and max of the results' latencies in whole milliseconds.
 */
export function rushFigures(
  results: readonly DemoResult<unknown>[],
  wallMs: number,
  requestCount = results.length,
): RushFigures {
  const latenciesMs = results.map((r) => r.elapsedMs).sort((a, b) => a - b);
  const at = (p: number) =>
    Math.round(latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(p * latenciesMs.length))]!);
  return {
    requestCount,
    perSecond: requestCount / (wallMs / 1000),
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    maxMs: at(1),
  };
}

/** describeRush renders a rush in one line: `N <noun> requests in s → rate <unit>/s; latency p50/p95/max`. */
export function describeRush(noun: string, unit: string, wallMs: number, f: RushFigures): string {
  return (
    `${f.requestCount} ${noun} requests in ${(wallMs / 1000).toFixed(2)} s → ${f.perSecond.toFixed(1)} ${unit}/s; ` +
    `latency p50 ${f.p50Ms} ms, p95 ${f.p95Ms} ms, max ${f.maxMs} ms`
  );
}

/**
 * printRush prints a rush's figures (describeRush) and its answers counted by status and code,
 * with how many needed a retry; returns the figures. `requestCount` defaults to one a result.
 */
export function printRush(
  noun: string,
  unit: string,
  rush: { results: readonly DemoResult<Problem | null>[]; wallMs: number },
  requestCount?: number,
): RushFigures {
  const figures = rushFigures(rush.results, rush.wallMs, requestCount);
  const retried = rush.results.filter((r) => r.attempts > 1).length;
  console.log(describeRush(noun, unit, rush.wallMs, figures));
  console.log(
    `answers: ${formatCounts(rush.results, answerKey)}${retried ? `; ${retried} needed a retry` : ''}`,
  );
  return figures;
}
