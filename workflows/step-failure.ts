import { ActivityFailure, ApplicationFailure, CancelledFailure, TimeoutFailure } from '@temporalio/workflow';
import type { StepCheckpoint } from '../activities/checkpoint.js';
import type { RunError } from '../src/protocol/index.js';
import type { AssistantMessage, ReasoningBlock } from '../src/protocol/messages.js';
import { budgetErrorFields } from './budget.js';

export function describeFailure(error: unknown): RunError {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) {
    const budget = budgetErrorFields(cause.type ?? undefined, cause.details?.[0]);
    return { type: cause.type ?? 'ApplicationFailure', message: cause.message, retryable: !cause.nonRetryable, ...budget };
  }
  if (cause instanceof Error) return { type: cause.name, message: cause.message, retryable: true };
  return { type: 'Error', message: String(cause), retryable: true };
}

/**
 * The partial assistant message a model step left behind when it ended
 * without completing: the checkpoint in the cancellation's or failure's
 * details, or the last heartbeat of a timed-out attempt. Workflows may not
 * import zod, so the checkpoint's shape is checked by hand; a checkpoint by
 * reference (offsets into the run's log) gives no text here: see
 * `checkpointByReference`.
 */
export function interruptedPartial(error: unknown): AssistantMessage | undefined {
  return partialFromCheckpoint(checkpointDetails(error));
}

/**
 * The checkpoint a step's failure carries when it refers to the run's log for
 * its text (the last heartbeat of a step timed out on its final attempt, or a
 * text past the size bound): the `recoverStep` activity reads the text back.
 */
export function checkpointByReference(error: unknown): StepCheckpoint | undefined {
  const details = checkpointDetails(error);
  if (typeof details !== 'object' || details === null) return undefined;
  const checkpoint = details as { version?: unknown; text?: unknown; tail?: unknown; loggedLength?: unknown };
  if (checkpoint.version !== 1 || checkpoint.text !== undefined || typeof checkpoint.loggedLength !== 'number') return undefined;
  const tail = typeof checkpoint.tail === 'string' ? checkpoint.tail : '';
  return checkpoint.loggedLength > 0 || tail !== '' ? (details as StepCheckpoint) : undefined;
}

/** The details a step's failure carries in history, whatever they are. */
function checkpointDetails(error: unknown): unknown {
  const cause = error instanceof ActivityFailure ? error.cause : undefined;
  if (cause instanceof CancelledFailure) return cause.details[0];
  if (cause instanceof ApplicationFailure) return cause.details?.[0];
  if (cause instanceof TimeoutFailure) return cause.lastHeartbeatDetails;
  return undefined;
}

/**
 * A step cancelled while no attempt ran (waiting between retries): Temporal
 * records no checkpoint then, only a note that the activity was not started.
 */
export function cancelledWithoutCheckpoint(error: unknown): boolean {
  if (!(error instanceof ActivityFailure) || !(error.cause instanceof CancelledFailure)) return false;
  const details = checkpointDetails(error);
  return typeof details !== 'object' || details === null || (details as { version?: unknown }).version !== 1;
}

/** The interrupted assistant message a checkpoint (by its shape) stands for. */
export function partialFromCheckpoint(details: unknown): AssistantMessage | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const checkpoint = details as { version?: unknown; text?: unknown; reasoning?: unknown };
  if (checkpoint.version !== 1 || typeof checkpoint.text !== 'string') return undefined;
  const reasoning = Array.isArray(checkpoint.reasoning) ? (checkpoint.reasoning as ReasoningBlock[]) : [];
  if (checkpoint.text === '' && reasoning.length === 0) return undefined;
  return { role: 'assistant', content: checkpoint.text, ...(reasoning.length ? { reasoning } : {}), interrupted: true };
}
