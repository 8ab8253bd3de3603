import { z } from 'zod';
import type { FinishReason, Message, Usage } from '../protocol/messages.js';
import { postForStream } from './http-stream.js';
import {
  defaultStreamTimeouts,
  type LanguageModel,
  type ModelCapabilities,
  type ModelRequest,
  type ModelSettings,
  type ToolSpec,
} from './language-model.js';
import type { ModelEvent } from './model-events.js';
import { describeOpenAIErrorBody, kindForOpenAIError, openAIErrorBodySchema } from './openai-error.js';
import { ProviderError, type ProviderErrorKind } from './provider-error.js';
import { parseSseStream } from '../protocol/sse.js';
import { parseJsonSafely } from './parse-json.js';

/** OpenAI Chat Completions streaming, and every server that speaks it (vLLM, Ollama, llama.cpp, OpenRouter). */

export interface OpenAIChatSettings {
  provider?: string;
  modelId: string;
  baseURL: string;
  apiKey: string;
  /** vLLM-style continuation of a trailing assistant message; off for api.openai.com. */
  continueFinalMessage?: boolean;
  headers?: Record<string, string>;
}

const chunkSchema = z.object({
  choices: z
    .array(
      z.object({
        delta: z
          .object({
            content: z.string().nullish(),
            reasoning_content: z.string().nullish(),
            reasoning: z.string().nullish(),
            tool_calls: z
              .array(
                z.object({
                  // Ollama and some proxies omit the index of a tool call sent whole.
                  index: z.number().int().optional(),
                  id: z.string().nullish(),
                  function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
                }),
              )
              .nullish(),
          })
          .nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: z
    .object({
      prompt_tokens: z.number(),
      completion_tokens: z.number(),
      total_tokens: z.number().optional(),
      prompt_tokens_details: z.object({ cached_tokens: z.number().nullish() }).nullish(),
      completion_tokens_details: z.object({ reasoning_tokens: z.number().nullish() }).nullish(),
    })
    .nullish(),
});
export function mapOpenAIFinishReason(raw: string): FinishReason {
  switch (raw) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'content_filter':
      return 'content_filter';
    default:
      return 'other';
  }
}

export function toOpenAIChatMessages(instructions: string | undefined, messages: Message[], prefill?: string): unknown[] {
  const wire: unknown[] = [];
  if (instructions) wire.push({ role: 'system', content: instructions });
  for (const message of messages) {
    switch (message.role) {
      case 'system':
      case 'user':
        wire.push({ role: message.role, content: message.content });
        break;
      case 'assistant':
        wire.push({
          role: 'assistant',
          content: message.content === '' && message.toolCalls?.length ? null : message.content,
          ...(message.toolCalls?.length
            ? {
                tool_calls: message.toolCalls.map((call) => ({
                  id: call.callId,
                  type: 'function',
                  function: { name: call.name, arguments: call.argumentsText ?? JSON.stringify(call.arguments ?? {}) },
                })),
              }
            : {}),
        });
        break;
      case 'tool':
        wire.push({ role: 'tool', tool_call_id: message.callId, content: message.content });
        break;
    }
  }
  if (prefill) wire.push({ role: 'assistant', content: prefill });
  return wire;
}

const toOpenAITools = (tools: ToolSpec[]) =>
  tools.map((tool) => ({
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  }));

export function mapOpenAIUsage(usage: NonNullable<z.infer<typeof chunkSchema>['usage']>): Usage {
  const mapped: Usage = {
    inputTokens: usage.prompt_tokens,
    outputTokens: usage.completion_tokens,
    totalTokens: usage.total_tokens ?? usage.prompt_tokens + usage.completion_tokens,
  };
  const cached = usage.prompt_tokens_details?.cached_tokens;
  if (typeof cached === 'number') mapped.cachedInputTokens = cached;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  if (typeof reasoning === 'number') mapped.reasoningTokens = reasoning;
  return mapped;
}

const hasErrorKey = (value: unknown) => typeof value === 'object' && value !== null && 'error' in value;

interface PendingToolCall {
  callId: string;
  name: string;
  argumentsText: string;
  started: boolean;
}

/** Chat Completions' names; `max_completion_tokens` replaced `max_tokens` (which reasoning models refuse). */
const chatSamplingFields = (settings: ModelSettings = {}) => ({
  ...(settings.temperature === undefined ? {} : { temperature: settings.temperature }),
  ...(settings.topP === undefined ? {} : { top_p: settings.topP }),
  ...(settings.maxOutputTokens === undefined ? {} : { max_completion_tokens: settings.maxOutputTokens }),
  ...(settings.stop === undefined ? {} : { stop: settings.stop }),
  ...(settings.seed === undefined ? {} : { seed: settings.seed }),
});

export class OpenAIChatModel implements LanguageModel {
  readonly provider: string;
  readonly modelId: string;
  readonly capabilities: ModelCapabilities;

  constructor(private readonly settings: OpenAIChatSettings) {
    this.provider = settings.provider ?? 'openai';
    this.modelId = settings.modelId;
    this.capabilities = { continuesPartialText: settings.continueFinalMessage ?? false };
  }

  requestBody(request: ModelRequest): Record<string, unknown> {
    const prefill = this.capabilities.continuesPartialText ? request.prefill : undefined;
    const format = request.responseFormat;
    return {
      model: this.modelId,
      messages: toOpenAIChatMessages(request.instructions, request.messages, prefill),
      stream: true,
      stream_options: { include_usage: true },
      ...(request.tools.length ? { tools: toOpenAITools(request.tools) } : {}),
      ...chatSamplingFields(request.settings),
      ...(format
        ? {
            response_format: {
              type: 'json_schema',
              json_schema: { name: format.name, description: format.description, schema: format.schema, strict: format.strict },
            },
          }
        : {}),
      ...(prefill ? { continue_final_message: true, add_generation_prompt: false } : {}),
    };
  }

  async *stream(request: ModelRequest, options: { signal?: AbortSignal }): AsyncGenerator<ModelEvent> {
    const body = this.requestBody(request);
    const bytes = await postForStream({
      provider: this.provider,
      modelId: this.modelId,
      url: `${this.settings.baseURL.replace(/\/$/, '')}/chat/completions`,
      headers: { authorization: `Bearer ${this.settings.apiKey}`, ...this.settings.headers },
      body,
      timeouts: { ...defaultStreamTimeouts, ...request.timeouts },
      signal: options.signal,
      describeErrorBody: describeOpenAIErrorBody,
      secrets: [this.settings.apiKey],
    });
    yield* this.mapStream(bytes);
  }

  private fail(kind: ProviderErrorKind, message: string): ProviderError {
    return new ProviderError({ kind, provider: this.provider, modelId: this.modelId, message });
  }

  async *mapStream(bytes: AsyncIterable<Uint8Array>): AsyncGenerator<ModelEvent> {
    const toolCalls = new Map<number, PendingToolCall>();
    let reasoningOpen = false;
    // Reasoning may resume after text (interleaved thinking): each stretch is its own block.
    let reasoningBlocks = 0;
    const blockId = () => `reasoning-${reasoningBlocks - 1}`;
    let finishRaw: string | undefined;
    let usage: Usage | undefined;
    let done = false;
    const closeReasoning = function* (): Generator<ModelEvent> {
      if (reasoningOpen) {
        reasoningOpen = false;
        yield { type: 'reasoning-end', blockId: blockId() };
      }
    };

    for await (const message of parseSseStream(bytes)) {
      if (message.data === '[DONE]') {
        done = true;
        break;
      }
      if (message.data.trim() === '') continue;
      const json = parseJsonSafely(message.data);
      if (!json.ok) throw this.fail('malformed', `a chunk is not JSON: ${message.data.slice(0, 200)}`);
      // Most chunks are not errors: look for the key before paying for a schema parse.
      const errorChunk = hasErrorKey(json.value) ? openAIErrorBodySchema.safeParse(json.value) : undefined;
      if (errorChunk?.success) throw this.fail(kindForOpenAIError(errorChunk.data.error), errorChunk.data.error.message);
      // Some compatible servers report a failure as a bare string: still the server's failure, not a malformed chunk.
      const bareError = hasErrorKey(json.value) ? (json.value as { error?: unknown }).error : undefined;
      if (typeof bareError === 'string') throw this.fail('server', bareError);
      const chunk = chunkSchema.safeParse(json.value);
      if (!chunk.success) throw this.fail('malformed', `an unexpected chunk: ${chunk.error.issues[0]?.message ?? ''}`);
      if (chunk.data.usage) usage = mapOpenAIUsage(chunk.data.usage);
      for (const choice of chunk.data.choices ?? []) {
        const delta = choice.delta;
        const reasoning = delta?.reasoning_content ?? delta?.reasoning;
        if (reasoning) {
          if (!reasoningOpen) {
            reasoningOpen = true;
            reasoningBlocks++;
            yield { type: 'reasoning-start', blockId: blockId() };
          }
          yield { type: 'reasoning-delta', blockId: blockId(), text: reasoning };
        }
        if (delta?.content) {
          yield* closeReasoning();
          yield { type: 'text-delta', text: delta.content };
        }
        for (const fragment of delta?.tool_calls ?? []) {
          yield* closeReasoning();
          // Without an index, each fragment is a whole new call.
          const index = fragment.index ?? toolCalls.size;
          let call = toolCalls.get(index);
          if (!call) {
            call = { callId: fragment.id ?? `call_${index}`, name: '', argumentsText: '', started: false };
            toolCalls.set(index, call);
          }
          if (fragment.function?.name) call.name += fragment.function.name;
          if (!call.started && call.name) {
            call.started = true;
            yield { type: 'tool-call-start', callId: call.callId, name: call.name };
          }
          const argumentsDelta = fragment.function?.arguments;
          if (argumentsDelta) {
            call.argumentsText += argumentsDelta;
            if (call.started) yield { type: 'tool-call-delta', callId: call.callId, argumentsDelta };
          }
        }
        if (choice.finish_reason) finishRaw = choice.finish_reason;
      }
    }

    if (!done && finishRaw === undefined) throw this.fail('truncated', 'the stream ended before its finish event');
    yield* closeReasoning();
    for (const call of toolCalls.values()) {
      if (!call.name) throw this.fail('malformed', `tool call ${call.callId} has no name`);
      if (!call.started) yield { type: 'tool-call-start', callId: call.callId, name: call.name };
      yield { type: 'tool-call-ready', callId: call.callId, name: call.name, argumentsText: call.argumentsText };
    }
    if (usage) yield { type: 'usage', usage };
    const finishReason = finishRaw === undefined ? 'other' : mapOpenAIFinishReason(finishRaw);
    yield { type: 'finish', finishReason, rawFinishReason: finishRaw };
  }
}
