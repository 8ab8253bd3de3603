import type { RunError } from '../protocol/index.js';

export { payloadTooLargeErrorType } from '../../workflows/payload-guard.js';

/**
 * A run whose payload is over Temporal's limit cannot be fixed by waiting.
 * The workflow checks its own payloads first (workflows/payload-guard.ts) and
 * fails cleanly; one that slips past (a codec that grows it, an older
 * workflow) is terminated by the stall watch, since a failing workflow task
 * cannot fail its own workflow. The reason carries the typed error, so every
 * API process reports the same `error` for it. Its history keeps every step
 * that completed, but Temporal refuses queries to a run whose last task
 * failed, so such a run cannot be resumed.
 */

export const terminationReason = (error: Pick<RunError, 'type' | 'message'>): string => `${error.type}: ${error.message}`;

/** The typed error a termination reason carries, if it was written by `terminationReason`. */
export function errorOfTermination(reason: string): RunError | undefined {
  const match = /^([A-Z][A-Za-z]*Error): ([\s\S]+)$/.exec(reason);
  return match ? { type: match[1]!, message: match[2]!, retryable: false } : undefined;
}
