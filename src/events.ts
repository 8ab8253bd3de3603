import { z } from 'zod';
import { finishReasonSchema, messageSchema, runResultSchema, toolCallSchema, usageSchema } from './messages.js';

/**
 * The one run-event union (API.md "Events"). Publisher, API, client SDK, CLI
 * and viewer page all speak it; a new type fails to compile wherever a
 * `switch` over `type` ends in `assertNever`.
 */

const base = { runId: z.string(), at: z.string() };
const inStep = { ...base, step: z.number().int().positive() };

export const runErrorSchema = z.object({
  type: z.string(),
  message: z.string(),
  retryable: z.boolean(),
});
export type RunError = z.infer<typeof runErrorSchema>;

/** A reasoning block a viewer keeps on `step.resumed`, and how many characters of it. */
export const keptReasoningSchema = z.object({ blockId: z.string(), length: z.number().int().nonnegative() });
export type KeptReasoning = z.infer<typeof keptReasoningSchema>;

export const runEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('run.started'),
    ...base,
    model: z.string(),
    tools: z.array(z.string()),
    maxSteps: z.number().int(),
  }),
  z.object({ type: z.literal('step.started'), ...inStep, attempt: z.number().int().positive().optional() }),
  z.object({
    type: z.literal('text.delta'),
    ...inStep,
    /** UTF-16 code units of this step's text before the delta (JavaScript string length). */
    offset: z.number().int().nonnegative(),
    text: z.string(),
  }),
  z.object({ type: z.literal('reasoning.delta'), ...inStep, blockId: z.string(), text: z.string() }),
  z.object({ type: z.literal('tool_call.started'), ...inStep, callId: z.string(), name: z.string() }),
  z.object({ type: z.literal('tool_call.delta'), ...inStep, callId: z.string(), argumentsDelta: z.string() }),
  z.object({
    type: z.literal('tool_call.ready'),
    ...inStep,
    callId: z.string(),
    name: z.string(),
    arguments: z.unknown(),
  }),
  z.object({ type: z.literal('tool.started'), ...inStep, callId: z.string(), name: z.string() }),
  z.object({
    type: z.literal('tool.progress'),
    ...inStep,
    callId: z.string(),
    name: z.string(),
    progress: z.unknown(),
  }),
  z.object({
    type: z.literal('tool.finished'),
    ...inStep,
    callId: z.string(),
    name: z.string(),
    result: z.unknown(),
    isError: z.boolean(),
  }),
  z.object({
    type: z.literal('step.resumed'),
    ...inStep,
    /** This step's text rolls back to this many characters. */
    offset: z.number().int().nonnegative(),
    attempt: z.number().int().positive(),
    /**
     * This step's reasoning rolls back to these blocks, each cut to `length`
     * characters; blocks not listed are dropped (empty: the step is
     * regenerated). Absent in events logged before it existed: keep reasoning.
     */
    reasoning: z.array(keptReasoningSchema).optional(),
  }),
  z.object({
    type: z.literal('step.finished'),
    ...inStep,
    text: z.string(),
    toolCalls: z.array(toolCallSchema),
    usage: usageSchema,
    finishReason: finishReasonSchema,
  }),
  z.object({ type: z.literal('run.completed'), ...base, result: runResultSchema }),
  z.object({ type: z.literal('run.failed'), ...base, error: runErrorSchema }),
  z.object({ type: z.literal('run.cancelled'), ...base, partial: z.string() }),
  /**
   * Sent instead of a replay when the log no longer covers what a viewer asked
   * for: the transcript so far, built from the workflow (the truth).
   */
  z.object({
    type: z.literal('snapshot'),
    ...base,
    status: z.string(),
    messages: z.array(messageSchema),
  }),
]);

export type RunEvent = z.infer<typeof runEventSchema>;
export type RunEventType = RunEvent['type'];
export type RunEventOf<T extends RunEventType> = Extract<RunEvent, { type: T }>;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** What a publisher hands to the log: `runId` and `at` are filled in on append. */
export type RunEventInput = DistributiveOmit<RunEvent, 'runId' | 'at'>;

/** An event as stored in and read from the run's log: the log id is its SSE id. */
export interface LoggedEvent {
  id: string;
  event: RunEvent;
}

export const terminalEventTypes = ['run.completed', 'run.failed', 'run.cancelled'] as const;
export type TerminalEvent = RunEventOf<(typeof terminalEventTypes)[number]>;

export function isTerminalEvent(event: RunEvent): event is TerminalEvent {
  return (terminalEventTypes as readonly string[]).includes(event.type);
}

export function assertNever(value: never): never {
  throw new Error(`Unhandled variant: ${JSON.stringify(value)}`);
}
