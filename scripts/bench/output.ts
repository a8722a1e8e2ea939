import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderMarkdown, type ModeResult, type ReportMeta } from './report';

/** ReportFiles are the paths one bench invocation writes. */
export interface ReportFiles {
  jsonPath: string;
  markdownPath: string;
}

/** fileStamp turns an ISO time into a file-name-safe stamp: 2026-01-02T03-04-05Z. */
function fileStamp(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

/**
 * writeReport writes `<outDir>/bench-<timestamp>.json` (every raw figure, the options, the
 * commit and the machine, results keyed by persistence mode) and the markdown report beside
 * it; calling it again overwrites both with more modes.
 */
export async function writeReport(meta: ReportMeta, modes: ModeResult[]): Promise<ReportFiles> {
  const dir = path.resolve(meta.options.outDir);
  await mkdir(dir, { recursive: true });
  const base = path.join(dir, `bench-${fileStamp(meta.startedAt)}`);
  const json = {
    ...meta,
    units: {
      durationMs: 'ms',
      latencyMs: 'ms (client)',
      okPerSecond: 'definite answers per second of load',
      cpuSeconds: 'CPU seconds of the process tree between the samples',
      cpuSecondsPerOrder: 'cpuSeconds / serverOkCount',
      temporal:
        "the Temporal server's request counters (Prometheus service_requests of the frontend, " +
        'persistence_requests of all services; namespace default) between the samples / ' +
        'serverOkCount',
    },
    persistence: Object.fromEntries(modes.map((mode) => [mode.persistence, mode])),
  };
  const files = { jsonPath: `${base}.json`, markdownPath: `${base}.md` };
  await writeFile(files.jsonPath, JSON.stringify(json, null, 2) + '\n');
  await writeFile(files.markdownPath, renderMarkdown(meta, modes));
  return files;
}

/** printReport prints where the results are, the verdict, then the markdown (ratios last). */
export function printReport(meta: ReportMeta, modes: ModeResult[], files: ReportFiles): void {
  const checks = modes.flatMap((mode) => mode.checks);
  const failed = checks.filter((check) => !check.ok);
  console.log(
    `\nresults: ${path.relative(process.cwd(), files.jsonPath)}, ${path.relative(process.cwd(), files.markdownPath)}`,
  );
  console.log(
    failed.length === 0
      ? `PASS: ${checks.length}/${checks.length} checks (0 oversell, 0 double charge, ledger consistent)`
      : `FAIL: ${failed.length} of ${checks.length} checks failed: ${failed.map((check) => check.name).join('; ')}`,
  );
  console.log(`\n${renderMarkdown(meta, modes)}`);
}
