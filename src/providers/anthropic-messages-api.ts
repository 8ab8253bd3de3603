import { z } from 'zod';
import type { FinishReason, Usage } from '../protocol/messages.js';
import type { ErrorBodyDescription } from './http-stream.js';
import { contextLengthPattern, type ProviderErrorKind } from './provider-error.js';
import { parseJsonSafely } from './parse-json.js';

/**
 * Anthropic Messages streaming chunks. Objects are not strict: a field the
 * API adds tomorrow is ignored, and an event type we do not know is skipped
 * by the adapter rather than failing the run.
 */

const usageSchema = z.object({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
});
export type AnthropicUsage = z.infer<typeof usageSchema>;

export const anthropicErrorSchema = z.object({ type: z.string(), message: z.string() });

export const anthropicChunkSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message_start'), message: z.object({ id: z.string().nullish(), usage: usageSchema.nullish() }) }),
  z.object({
    type: z.literal('content_block_start'),
    index: z.number().int(),
    content_block: z.union([
      z.object({ type: z.literal('text'), text: z.string().nullish() }),
      z.object({ type: z.literal('thinking'), thinking: z.string().nullish(), signature: z.string().nullish() }),
      z.object({ type: z.literal('redacted_thinking'), data: z.string() }),
      z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown().optional() }),
      // server_tool_use, web_search_tool_result, …: not ours to run; skipped.
      z.object({ type: z.string() }),
    ]),
  }),
  z.object({
    type: z.literal('content_block_delta'),
    index: z.number().int(),
    delta: z.union([
      z.object({ type: z.literal('text_delta'), text: z.string() }),
      z.object({ type: z.literal('thinking_delta'), thinking: z.string() }),
      z.object({ type: z.literal('signature_delta'), signature: z.string() }),
      z.object({ type: z.literal('input_json_delta'), partial_json: z.string() }),
      z.object({ type: z.string() }),
    ]),
  }),
  z.object({ type: z.literal('content_block_stop'), index: z.number().int() }),
  z.object({
    type: z.literal('message_delta'),
    delta: z.object({ stop_reason: z.string().nullish() }).nullish(),
    usage: usageSchema.nullish(),
  }),
  z.object({ type: z.literal('message_stop') }),
  z.object({ type: z.literal('ping') }),
  z.object({ type: z.literal('error'), error: anthropicErrorSchema }),
]);
export type AnthropicChunk = z.infer<typeof anthropicChunkSchema>;

export const knownAnthropicChunkTypes: ReadonlySet<string> = new Set([
  'message_start',
  'content_block_start',
  'content_block_delta',
  'content_block_stop',
  'message_delta',
  'message_stop',
  'ping',
  'error',
]);

/** https://docs.anthropic.com/en/api/errors — the type names the failure, in a body or inside a 200 stream. */
export function kindForAnthropicError(error: z.infer<typeof anthropicErrorSchema>): ProviderErrorKind {
  switch (error.type) {
    case 'overloaded_error':
    case 'api_error':
      return 'server';
    case 'rate_limit_error':
      return 'rate_limited';
    case 'timeout_error':
      return 'timeout';
    case 'authentication_error':
    case 'permission_error':
      return 'auth';
    case 'not_found_error':
      return 'not_found';
    case 'invalid_request_error':
    case 'request_too_large':
      return contextLengthPattern.test(error.message) ? 'context_length' : 'bad_request';
    default:
      return 'server';
  }
}

export function describeAnthropicErrorBody(body: string): ErrorBodyDescription {
  const parsed = parseJsonSafely(body);
  if (parsed.ok) {
    const error = z.object({ error: anthropicErrorSchema }).safeParse(parsed.value);
    if (error.success) {
      const kind = kindForAnthropicError(error.data.error);
      // The status decides retryability; only a context-length message refines it.
      return { message: `${error.data.error.type}: ${error.data.error.message}`, kind: kind === 'context_length' ? kind : undefined };
    }
  }
  return { message: body.slice(0, 500) || 'no error body' };
}

export function mapAnthropicStopReason(raw: string): FinishReason {
  switch (raw) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'other';
  }
}

export const withoutNulls = (usage: AnthropicUsage | null | undefined): AnthropicUsage =>
  Object.fromEntries(Object.entries(usage ?? {}).filter(([, value]) => typeof value === 'number'));

/** Anthropic counts cached input apart from `input_tokens`; the neutral input count includes it. */
export function mapAnthropicUsage(usage: AnthropicUsage): Usage {
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const inputTokens = (usage.input_tokens ?? 0) + cacheRead + (usage.cache_creation_input_tokens ?? 0);
  const outputTokens = usage.output_tokens ?? 0;
  return {
    inputTokens,
    outputTokens,
    totalTokens: inputTokens + outputTokens,
    cachedInputTokens: usage.cache_read_input_tokens == null ? undefined : cacheRead,
  };
}
