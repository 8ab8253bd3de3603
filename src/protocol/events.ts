import * as z from 'zod';
import { budgetSchema, keptReasoningSchema, modelSettingsSchema, runErrorSchema } from './event-parts.js';
import { finishReasonSchema, messageSchema, runResultSchema, toolCallSchema, usageSchema } from './messages.js';

/**
 * The one run-event union: publisher, API, client SDK, CLI and viewer page all
 * speak it. Every `switch` over `type` is checked for exhaustiveness (lint and
 * `assertNever`), so a new type fails to compile where it is not handled.
 * Fields added after a type first shipped are optional, so logs written by
 * older workers still parse.
 */

const base = { runId: z.string(), at: z.string() };
const inStep = { ...base, step: z.number().int().positive() };
/** Milliseconds from the run's start (before any continue-as-new) to its end. */
const durationMs = z.number().int().nonnegative().optional();
const turn = {
  ...base,
  threadId: z.string(),
  /** 1-based number of the turn in its thread. */
  turn: z.number().int().positive(),
  /** Place in the thread's queue; 0 once it runs. */
  position: z.number().int().nonnegative(),
};

export const runEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('run.started'),
    ...base,
    model: z.string(),
    tools: z.array(z.string()),
    maxSteps: z.number().int(),
    agent: z.string().optional(),
    modelSettings: modelSettingsSchema.optional(),
    budget: budgetSchema.optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    threadId: z.string().optional(),
  }),
  z.object({ type: z.literal('step.started'), ...inStep, attempt: z.number().int().positive().optional() }),
  z.object({
    type: z.literal('text.delta'),
    ...inStep,
    /** UTF-16 code units of this step's text before the delta (JavaScript string length). */
    offset: z.number().int().nonnegative(),
    text: z.string(),
  }),
  z.object({ type: z.literal('reasoning.started'), ...inStep, blockId: z.string() }),
  z.object({ type: z.literal('reasoning.delta'), ...inStep, blockId: z.string(), text: z.string() }),
  /** `redacted`: the provider withheld the block's text (it travels encrypted). */
  z.object({ type: z.literal('reasoning.finished'), ...inStep, blockId: z.string(), redacted: z.boolean() }),
  z.object({ type: z.literal('tool_call.started'), ...inStep, callId: z.string(), name: z.string() }),
  z.object({ type: z.literal('tool_call.delta'), ...inStep, callId: z.string(), argumentsDelta: z.string() }),
  z.object({ type: z.literal('tool_call.ready'), ...inStep, callId: z.string(), name: z.string(), arguments: z.unknown() }),
  z.object({
    type: z.literal('tool.approval_requested'),
    ...inStep,
    callId: z.string(),
    name: z.string(),
    arguments: z.unknown(),
    expiresAt: z.string(),
  }),
  z.object({
    type: z.literal('tool.approval_resolved'),
    ...inStep,
    callId: z.string(),
    approved: z.boolean(),
    reason: z.string().optional(),
    /** Who decided: the caller's key id, or `timeout` when the wait expired. */
    decidedBy: z.string(),
  }),
  z.object({ type: z.literal('tool.started'), ...inStep, callId: z.string(), name: z.string() }),
  z.object({ type: z.literal('tool.progress'), ...inStep, callId: z.string(), name: z.string(), progress: z.unknown() }),
  z.object({
    type: z.literal('tool.finished'),
    ...inStep,
    callId: z.string(),
    name: z.string(),
    result: z.unknown(),
    isError: z.boolean(),
  }),
  z.object({
    type: z.literal('step.retrying'),
    ...inStep,
    /** The attempt that comes next (2 for the first retry). */
    attempt: z.number().int().positive(),
    error: runErrorSchema,
    /** How long Temporal waits before that attempt. */
    delayMs: z.number().int().nonnegative(),
    /** Set when a tool call failed, not the model step. */
    callId: z.string().optional(),
    name: z.string().optional(),
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
  /** The run cannot make progress (workflow tasks failing, no worker for its queue); it may still recover. */
  z.object({ type: z.literal('run.stalled'), ...base, reason: z.string(), since: z.string(), attempts: z.number().int().nonnegative() }),
  z.object({ type: z.literal('run.completed'), ...base, result: runResultSchema, durationMs }),
  z.object({ type: z.literal('run.failed'), ...base, error: runErrorSchema, durationMs }),
  z.object({ type: z.literal('run.cancelled'), ...base, partial: z.string(), durationMs }),
  /** Thread streams: `runId` is the turn's run. */
  z.object({ type: z.literal('turn.queued'), ...turn }),
  z.object({ type: z.literal('turn.started'), ...turn }),
  z.object({ type: z.literal('turn.finished'), ...turn, status: z.string() }),
  /** The thread's last event (`runId` is the thread's id): closed on request, or after RUNSTREAM_THREAD_IDLE_DAYS idle. */
  z.object({ type: z.literal('thread.closed'), ...base, threadId: z.string(), turns: z.number().int().nonnegative(), closedBy: z.string() }),
  /**
   * Sent instead of a replay when the log no longer covers what a viewer asked
   * for: the transcript so far, built from the workflow (the truth).
   */
  z.object({ type: z.literal('snapshot'), ...base, status: z.string(), messages: z.array(messageSchema) }),
]);

export type RunEvent = z.infer<typeof runEventSchema>;
export type RunEventType = RunEvent['type'];
export type RunEventOf<T extends RunEventType> = Extract<RunEvent, { type: T }>;
/** Events that belong to a step (they carry `step`). */
export type StepEvent = Extract<RunEvent, { step: number }>;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** What a publisher hands to the log: `runId` and `at` are filled in on append. */
export type RunEventInput = DistributiveOmit<RunEvent, 'runId' | 'at'>;

/**
 * An event whose type this code does not know (a newer worker wrote it). It
 * is passed on untouched: `raw` is the event's JSON object.
 */
export interface UnknownRunEvent {
  type: 'unknown';
  raw: Record<string, unknown>;
}

/** What a reader of the log or the stream gets: a known event, validated, or an unknown one. */
export type ParsedRunEvent = RunEvent | UnknownRunEvent;

/** An event as stored in and read from the run's log: the log id is its SSE id. */
export interface LoggedEvent<Event extends ParsedRunEvent = ParsedRunEvent> {
  id: string;
  event: Event;
}

export function assertNever(value: never): never {
  throw new Error(`Unhandled variant: ${JSON.stringify(value)}`);
}
