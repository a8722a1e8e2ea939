/**
 * CODE_VERSION was a workflow input's code path; no workflow reads it now.
 * @deprecated Change workflow code behind `patched()` (workflows/payment-requests.ts). Remove
 *   this file with the booking input's `codeVersion`, its last user.
 */
export const CODE_VERSION = 2 as const;

/** CodeVersion is a workflow input's `codeVersion`. @deprecated as CODE_VERSION. */
export type CodeVersion = typeof CODE_VERSION | undefined;
