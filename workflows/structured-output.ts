import { ApplicationFailure } from '@temporalio/workflow';
import type { StructuredOutcome } from '../src/protocol/messages.js';

/** The run-level failure type of a final answer that is not the structured output asked for (API.md `run.failed`). */
export const structuredOutputErrorType = 'StructuredOutputError';

const fail = (message: string) => ApplicationFailure.create({ type: structuredOutputErrorType, message, nonRetryable: true });

/**
 * The structured output of a run that asked for one, from its last step. The
 * model-step activity already parsed and validated the answer (zod stays out
 * of workflows); here it only becomes the result, or a non-retryable failure
 * that names what did not match. Asking the model again would give another
 * answer to the same prompt, so retrying is left to the caller (resume or a
 * new run), not done behind its back.
 */
export function structuredOutputOf(last: { toolCalls: unknown[]; structured?: StructuredOutcome | undefined } | undefined, maxSteps: number): unknown {
  if (!last || last.toolCalls.length > 0) {
    throw fail(`the run reached maxSteps (${maxSteps}) before a final answer, so there is no structured output`);
  }
  if (!last.structured) throw fail('the final answer was not validated: the worker that ran the step does not support structured output');
  if (!last.structured.valid) throw fail(last.structured.message);
  return last.structured.value;
}
