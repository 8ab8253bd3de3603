import * as z from 'zod';

/**
 * The provider-neutral transcript. It is workflow state, so it must stay plain
 * JSON: no classes, no Dates, no secrets.
 */

/** Tokens of attempts that failed and were retried: paid for, though their output is not in the transcript. */
export const retriedUsageSchema = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  totalTokens: z.number().int().nonnegative(),
});
export type RetriedUsage = z.infer<typeof retriedUsageSchema>;

export const usageSchema = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  totalTokens: z.number().int().nonnegative(),
  cachedInputTokens: z.number().int().nonnegative().optional(),
  reasoningTokens: z.number().int().nonnegative().optional(),
  /** Set when attempts failed and were retried: what they consumed (estimated where the provider said nothing), on top of the rest. */
  retried: retriedUsageSchema.optional(),
});
export type Usage = z.infer<typeof usageSchema>;

export const emptyUsage = (): Usage => ({ inputTokens: 0, outputTokens: 0, totalTokens: 0 });

export const finishReasons = ['stop', 'length', 'tool_calls', 'content_filter', 'error', 'cancelled', 'other'] as const;
export const finishReasonSchema = z.enum(finishReasons);
export type FinishReason = z.infer<typeof finishReasonSchema>;

export const toolCallSchema = z.object({
  callId: z.string().min(1),
  name: z.string().min(1),
  /** Parsed arguments; `argumentsText` keeps the raw text when it was not valid JSON. */
  arguments: z.unknown(),
  argumentsText: z.string().optional(),
});
export type ToolCall = z.infer<typeof toolCallSchema>;

/**
 * A reasoning block as the provider gave it. Signatures and redacted data are
 * kept verbatim: Anthropic requires them unchanged on the next turn.
 */
export const reasoningBlockSchema = z.object({
  blockId: z.string(),
  text: z.string(),
  signature: z.string().optional(),
  redactedData: z.string().optional(),
  /** Opaque provider state needed to send the block back (e.g. encrypted reasoning). */
  providerData: z.record(z.string(), z.unknown()).optional(),
});
export type ReasoningBlock = z.infer<typeof reasoningBlockSchema>;

export const systemMessageSchema = z.object({ role: z.literal('system'), content: z.string() });
export const userMessageSchema = z.object({ role: z.literal('user'), content: z.string() });
export const assistantMessageSchema = z.object({
  role: z.literal('assistant'),
  content: z.string(),
  reasoning: z.array(reasoningBlockSchema).optional(),
  toolCalls: z.array(toolCallSchema).optional(),
  /** Set when the message was cut short by a cancel or a failure. */
  interrupted: z.boolean().optional(),
});
export const toolMessageSchema = z.object({
  role: z.literal('tool'),
  callId: z.string(),
  name: z.string(),
  /** The tool's result as the model sees it: JSON text or plain text. */
  content: z.string(),
  isError: z.boolean().optional(),
});

export const messageSchema = z.discriminatedUnion('role', [
  systemMessageSchema,
  userMessageSchema,
  assistantMessageSchema,
  toolMessageSchema,
]);
export type Message = z.infer<typeof messageSchema>;
export type AssistantMessage = z.infer<typeof assistantMessageSchema>;
export type ToolMessage = z.infer<typeof toolMessageSchema>;

/** What one model step returns: the complete assistant message and its accounting. */
export interface StepOutput {
  message: AssistantMessage;
  usage: Usage;
  finishReason: FinishReason;
  rawFinishReason?: string | undefined;
  /** Set on a final answer (no tool calls) of a run that asked for structured output: what its validation found. */
  structured?: StructuredOutcome | undefined;
  /** The step was stopped at the run's output-token allowance (`budget.maxOutputTokens`): its message is partial. */
  stoppedByBudget?: true | undefined;
}

/** A final answer checked against the run's output schema; plain JSON, as it is part of a step's result in history. */
export type StructuredOutcome = { valid: true; value: unknown } | { valid: false; message: string };

export const runResultSchema = z.object({
  output: z.string(),
  messages: z.array(messageSchema),
  usage: usageSchema,
  steps: z.number().int().nonnegative(),
  finishReason: finishReasonSchema,
  structuredOutput: z.unknown().optional(),
});
export type RunResult = z.infer<typeof runResultSchema>;
