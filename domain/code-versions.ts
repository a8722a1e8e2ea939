/**
 * CODE_VERSION is the workflow code path a new run is started for, carried in its input
 * (`codeVersion`). Version 2 places orders and posts transfers in a local activity,
 * so the Update completes in the run's first workflow task, and ends a refused run by failing
 * it directly. A run replays the path its recorded input names; runs started before versions
 * existed carry none and replay their original path (test/replay/histories/). This costs
 * nothing per run, where `patched()` records a marker and upserts the TemporalChangeVersion
 * search attribute on every one (ARCHITECTURE.md "What a workflow interaction costs").
 */
export const CODE_VERSION = 2 as const;

/** CodeVersion is a workflow input's `codeVersion`: CODE_VERSION, or absent for older runs. */
export type CodeVersion = typeof CODE_VERSION | undefined;
