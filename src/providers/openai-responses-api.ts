import { z } from 'zod';
import type { Usage } from '../protocol/messages.js';
import { openAIErrorSchema } from './openai-error.js';

/**
 * OpenAI Responses streaming events (https://platform.openai.com/docs/api-reference/responses-streaming).
 * Only the events the adapter maps are parsed; every other type is skipped,
 * so a new event type the API adds does not break runs.
 */

const usageSchema = z.object({
  input_tokens: z.number(),
  output_tokens: z.number(),
  total_tokens: z.number().nullish(),
  input_tokens_details: z.object({ cached_tokens: z.number().nullish() }).nullish(),
  output_tokens_details: z.object({ reasoning_tokens: z.number().nullish() }).nullish(),
});

const outputItemSchema = z.union([
  z.object({ type: z.literal('function_call'), id: z.string().nullish(), call_id: z.string(), name: z.string(), arguments: z.string().nullish() }),
  z.object({
    type: z.literal('reasoning'),
    id: z.string(),
    encrypted_content: z.string().nullish(),
    summary: z.array(z.object({ type: z.string(), text: z.string().nullish() })).nullish(),
  }),
  // message, web_search_call, …: text arrives through its own delta events.
  z.object({ type: z.string(), id: z.string().nullish() }),
]);

const responseSchema = z.object({
  id: z.string().nullish(),
  status: z.string().nullish(),
  usage: usageSchema.nullish(),
  incomplete_details: z.object({ reason: z.string().nullish() }).nullish(),
  error: openAIErrorSchema.nullish(),
});

const itemEvent = <T extends string>(type: T) => z.object({ type: z.literal(type), output_index: z.number().int(), item: outputItemSchema });

export const responsesEventSchema = z.discriminatedUnion('type', [
  itemEvent('response.output_item.added'),
  itemEvent('response.output_item.done'),
  z.object({ type: z.literal('response.output_text.delta'), item_id: z.string(), delta: z.string() }),
  z.object({ type: z.literal('response.refusal.delta'), item_id: z.string(), delta: z.string() }),
  z.object({
    type: z.literal('response.reasoning_summary_text.delta'),
    item_id: z.string(),
    summary_index: z.number().int(),
    delta: z.string(),
  }),
  z.object({ type: z.literal('response.function_call_arguments.delta'), item_id: z.string(), delta: z.string() }),
  z.object({ type: z.literal('response.function_call_arguments.done'), item_id: z.string(), arguments: z.string() }),
  z.object({ type: z.literal('response.completed'), response: responseSchema }),
  z.object({ type: z.literal('response.incomplete'), response: responseSchema }),
  z.object({ type: z.literal('response.failed'), response: responseSchema }),
  // Documented flat ({ code, message }); the API has also been seen sending it nested under `error`.
  z.object({
    type: z.literal('error'),
    message: z.string().nullish(),
    code: z.union([z.string(), z.number()]).nullish(),
    error: openAIErrorSchema.nullish(),
  }),
]);
export type ResponsesEvent = z.infer<typeof responsesEventSchema>;

export const knownResponsesEventTypes: ReadonlySet<string> = new Set(responsesEventSchema.options.map((option) => option.shape.type.value));

export function mapResponsesUsage(usage: z.infer<typeof usageSchema>): Usage {
  const mapped: Usage = {
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    totalTokens: usage.total_tokens ?? usage.input_tokens + usage.output_tokens,
  };
  const cached = usage.input_tokens_details?.cached_tokens;
  if (typeof cached === 'number') mapped.cachedInputTokens = cached;
  const reasoning = usage.output_tokens_details?.reasoning_tokens;
  if (typeof reasoning === 'number') mapped.reasoningTokens = reasoning;
  return mapped;
}
