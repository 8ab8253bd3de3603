import { ActivityFailure, ApplicationFailure, CancelledFailure, TimeoutFailure } from '@temporalio/workflow';
import type { RunError } from '../src/events.js';
import type { AssistantMessage, ReasoningBlock } from '../src/messages.js';

export function describeFailure(error: unknown): RunError {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) {
    return { type: cause.type ?? 'ApplicationFailure', message: cause.message, retryable: !cause.nonRetryable };
  }
  if (cause instanceof Error) return { type: cause.name, message: cause.message, retryable: true };
  return { type: 'Error', message: String(cause), retryable: true };
}

/**
 * The partial assistant message a model step left behind when it ended
 * without completing: the checkpoint in the cancellation's or failure's
 * details, or the last heartbeat of a timed-out attempt. Workflows may not
 * import zod, so the checkpoint's shape is checked by hand; a checkpoint that
 * holds offsets only (past its size bound) gives no text here.
 */
export function interruptedPartial(error: unknown): AssistantMessage | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : undefined;
  let details: unknown;
  if (cause instanceof CancelledFailure) details = cause.details[0];
  else if (cause instanceof ApplicationFailure) details = cause.details?.[0];
  else if (cause instanceof TimeoutFailure) details = cause.lastHeartbeatDetails;
  if (typeof details !== 'object' || details === null) return undefined;
  const checkpoint = details as { version?: unknown; text?: unknown; reasoning?: unknown };
  if (checkpoint.version !== 1 || typeof checkpoint.text !== 'string') return undefined;
  const reasoning = Array.isArray(checkpoint.reasoning) ? (checkpoint.reasoning as ReasoningBlock[]) : [];
  if (checkpoint.text === '' && reasoning.length === 0) return undefined;
  return { role: 'assistant', content: checkpoint.text, ...(reasoning.length ? { reasoning } : {}), interrupted: true };
}
