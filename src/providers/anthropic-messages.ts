import {
  anthropicChunkSchema,
  describeAnthropicErrorBody,
  kindForAnthropicError,
  knownAnthropicChunkTypes,
  mapAnthropicStopReason,
  mapAnthropicUsage,
  withoutNulls,
  type AnthropicUsage,
} from './anthropic-messages-api.js';
import { toAnthropicPrompt, toAnthropicTools } from './anthropic-messages-prompt.js';
import { postForStream } from './http-stream.js';
import { jsonAnswerInstruction } from './json-instruction.js';
import { defaultStreamTimeouts, type LanguageModel, type ModelCapabilities, type ModelRequest } from './language-model.js';
import type { ModelEvent } from './model-events.js';
import { ProviderError, type ProviderErrorKind } from './provider-error.js';
import { parseSseStream } from '../protocol/sse.js';
import { parseJsonSafely } from './parse-json.js';

/** Anthropic Messages streaming (https://docs.anthropic.com/en/api/messages-streaming), also through proxies via ANTHROPIC_BASE_URL. */

export interface AnthropicMessagesSettings {
  modelId: string;
  baseURL: string;
  apiKey: string;
  /** Extended thinking budget; off when undefined. */
  thinkingBudgetTokens?: number | undefined;
  headers?: Record<string, string>;
}

const anthropicVersion = '2023-06-01';

/** max_tokens is required; newer models allow far more than the older 4096. */
const defaultMaxTokens = (modelId: string) => (/claude-(?:3-7|sonnet-4|opus-4|haiku-4|[a-z]+-4)/.test(modelId) ? 8192 : 4096);

type OpenBlock =
  | { kind: 'text' }
  | { kind: 'reasoning'; blockId: string; signature: string }
  | { kind: 'tool'; callId: string; name: string; argumentsText: string };

export class AnthropicMessagesModel implements LanguageModel {
  readonly provider = 'anthropic';
  readonly modelId: string;
  /** A trailing assistant message is continued: Anthropic's prefill. */
  readonly capabilities: ModelCapabilities = { continuesPartialText: true };

  constructor(private readonly settings: AnthropicMessagesSettings) {
    this.modelId = settings.modelId;
  }

  requestBody(request: ModelRequest): { body: Record<string, unknown>; prefillTrimmed: string } {
    const prompt = toAnthropicPrompt(request.instructions, request.messages, request.prefill);
    // No response-format field in this API version: the schema is asked for in words, and validated afterwards.
    const system = request.responseFormat
      ? [prompt.system, jsonAnswerInstruction(request.responseFormat)].filter((part) => part !== undefined).join('\n\n')
      : prompt.system;
    const thinking = this.settings.thinkingBudgetTokens;
    const settings = request.settings ?? {};
    const maxTokens = settings.maxOutputTokens ?? defaultMaxTokens(this.modelId);
    const body = {
      model: this.modelId,
      max_tokens: thinking === undefined ? maxTokens : maxTokens + thinking,
      system,
      messages: prompt.messages,
      ...(request.tools.length ? { tools: toAnthropicTools(request.tools) } : {}),
      ...(thinking === undefined ? {} : { thinking: { type: 'enabled', budget_tokens: thinking } }),
      ...(settings.temperature === undefined ? {} : { temperature: settings.temperature }),
      ...(settings.topP === undefined ? {} : { top_p: settings.topP }),
      ...(settings.stop === undefined ? {} : { stop_sequences: settings.stop }),
      stream: true,
    };
    return { body, prefillTrimmed: prompt.prefillTrimmed };
  }

  async *stream(request: ModelRequest, options: { signal?: AbortSignal }): AsyncGenerator<ModelEvent> {
    const { body, prefillTrimmed } = this.requestBody(request);
    const bytes = await postForStream({
      provider: this.provider,
      modelId: this.modelId,
      url: `${this.settings.baseURL.replace(/\/$/, '')}/messages`,
      headers: { 'x-api-key': this.settings.apiKey, 'anthropic-version': anthropicVersion, ...this.settings.headers },
      body,
      timeouts: { ...defaultStreamTimeouts, ...request.timeouts },
      signal: options.signal,
      describeErrorBody: describeAnthropicErrorBody,
      secrets: [this.settings.apiKey],
    });
    yield* this.mapStream(bytes, { prefillTrimmed });
  }

  private fail(kind: ProviderErrorKind, message: string): ProviderError {
    return new ProviderError({ kind, provider: this.provider, modelId: this.modelId, message });
  }

  async *mapStream(bytes: AsyncIterable<Uint8Array>, options: { prefillTrimmed?: string } = {}): AsyncGenerator<ModelEvent> {
    const blocks = new Map<number, OpenBlock>();
    const usage: AnthropicUsage = {};
    let stopReason: string | undefined;
    let stopped = false;
    // Whitespace of the prefill the model may repeat at the start of its continuation.
    let pendingWhitespace = options.prefillTrimmed ?? '';
    const continuation = (delta: string): string => {
      let text = delta;
      while (pendingWhitespace && text && text[0] === pendingWhitespace[0]) {
        text = text.slice(1);
        pendingWhitespace = pendingWhitespace.slice(1);
      }
      if (text) pendingWhitespace = '';
      return text;
    };

    for await (const message of parseSseStream(bytes)) {
      if (message.data.trim() === '') continue;
      const json = parseJsonSafely(message.data);
      if (!json.ok) throw this.fail('malformed', `a chunk is not JSON: ${message.data.slice(0, 200)}`);
      const type = (json.value as { type?: unknown } | null)?.type;
      if (typeof type !== 'string' || !knownAnthropicChunkTypes.has(type)) continue;
      const parsed = anthropicChunkSchema.safeParse(json.value);
      if (!parsed.success) throw this.fail('malformed', `an unexpected ${type} chunk: ${parsed.error.issues[0]?.message ?? ''}`);
      const chunk = parsed.data;
      switch (chunk.type) {
        case 'message_start':
          Object.assign(usage, withoutNulls(chunk.message.usage));
          break;
        case 'content_block_start': {
          const block = chunk.content_block;
          // Blocks normally start empty; text already in the start event still counts.
          if (block.type === 'text') {
            blocks.set(chunk.index, { kind: 'text' });
            const text = continuation((block as { text?: string | null }).text ?? '');
            if (text) yield { type: 'text-delta', text };
          } else if (block.type === 'thinking') {
            const blockId = `reasoning-${chunk.index}`;
            const start = block as { thinking?: string | null; signature?: string | null };
            blocks.set(chunk.index, { kind: 'reasoning', blockId, signature: start.signature ?? '' });
            yield { type: 'reasoning-start', blockId };
            if (start.thinking) yield { type: 'reasoning-delta', blockId, text: start.thinking };
          } else if (block.type === 'redacted_thinking' && 'data' in block) {
            const blockId = `reasoning-${chunk.index}`;
            yield { type: 'reasoning-start', blockId };
            yield { type: 'reasoning-end', blockId, redactedData: block.data };
          } else if (block.type === 'tool_use' && 'id' in block) {
            blocks.set(chunk.index, { kind: 'tool', callId: block.id, name: block.name, argumentsText: '' });
            yield { type: 'tool-call-start', callId: block.id, name: block.name };
          }
          break;
        }
        case 'content_block_delta': {
          const block = blocks.get(chunk.index);
          const delta = chunk.delta;
          if (!block) break;
          if (delta.type === 'text_delta' && 'text' in delta && block.kind === 'text') {
            const text = continuation(delta.text);
            if (text) yield { type: 'text-delta', text };
          } else if (delta.type === 'thinking_delta' && 'thinking' in delta && block.kind === 'reasoning') {
            if (delta.thinking) yield { type: 'reasoning-delta', blockId: block.blockId, text: delta.thinking };
          } else if (delta.type === 'signature_delta' && 'signature' in delta && block.kind === 'reasoning') {
            block.signature += delta.signature;
          } else if (delta.type === 'input_json_delta' && 'partial_json' in delta && block.kind === 'tool') {
            if (delta.partial_json) {
              block.argumentsText += delta.partial_json;
              yield { type: 'tool-call-delta', callId: block.callId, argumentsDelta: delta.partial_json };
            }
          }
          break;
        }
        case 'content_block_stop': {
          const block = blocks.get(chunk.index);
          blocks.delete(chunk.index);
          if (block?.kind === 'reasoning') {
            yield { type: 'reasoning-end', blockId: block.blockId, ...(block.signature ? { signature: block.signature } : {}) };
          } else if (block?.kind === 'tool') {
            yield { type: 'tool-call-ready', callId: block.callId, name: block.name, argumentsText: block.argumentsText };
          }
          break;
        }
        case 'message_delta':
          if (chunk.delta?.stop_reason) stopReason = chunk.delta.stop_reason;
          // message_delta's counts are cumulative: they replace message_start's.
          Object.assign(usage, withoutNulls(chunk.usage));
          break;
        case 'message_stop':
          stopped = true;
          break;
        case 'ping':
          break;
        case 'error':
          throw this.fail(kindForAnthropicError(chunk.error), `${chunk.error.type}: ${chunk.error.message}`);
      }
      if (stopped) break;
    }

    if (!stopped && stopReason === undefined) throw this.fail('truncated', 'the stream ended before message_stop');
    yield { type: 'usage', usage: mapAnthropicUsage(usage) };
    yield {
      type: 'finish',
      finishReason: stopReason === undefined ? 'other' : mapAnthropicStopReason(stopReason),
      rawFinishReason: stopReason,
    };
  }
}
