import type { FinishReason, Usage } from '../protocol/messages.js';
import { postForStream } from './http-stream.js';
import { defaultStreamTimeouts, type LanguageModel, type ModelCapabilities, type ModelRequest } from './language-model.js';
import type { ModelEvent } from './model-events.js';
import { describeOpenAIErrorBody, kindForOpenAIError } from './openai-error.js';
import { knownResponsesEventTypes, mapResponsesUsage, responsesEventSchema } from './openai-responses-api.js';
import { toResponsesInput, toResponsesTextFormat, toResponsesTools, type ResponsesReasoningData } from './openai-responses-prompt.js';
import { ProviderError, type ProviderErrorKind } from './provider-error.js';
import { parseSseStream } from '../protocol/sse.js';
import { parseJsonSafely } from './parse-json.js';

/** OpenAI Responses API streaming, stateless (store: false): the transcript is sent whole each step. */

export interface OpenAIResponsesSettings {
  modelId: string;
  baseURL: string;
  apiKey: string;
  /** Ask for reasoning summaries (`reasoning.summary`); some organizations must be verified for it. */
  reasoningSummary?: 'auto' | 'concise' | 'detailed' | undefined;
  headers?: Record<string, string>;
}

/** Reasoning models return their reasoning encrypted, to be sent back next turn; others reject the include. */
const isReasoningModel = (modelId: string) => /^(o\d|gpt-5|codex)/.test(modelId);

interface CallState {
  callId: string;
  name: string;
  argumentsText: string;
  ready: boolean;
}

export class OpenAIResponsesModel implements LanguageModel {
  readonly provider = 'openai-responses';
  readonly modelId: string;
  /** The Responses API has no way to continue a partial assistant message. */
  readonly capabilities: ModelCapabilities = { continuesPartialText: false };

  constructor(private readonly settings: OpenAIResponsesSettings) {
    this.modelId = settings.modelId;
  }

  requestBody(request: ModelRequest): Record<string, unknown> {
    const reasoning = isReasoningModel(this.modelId);
    return {
      model: this.modelId,
      input: toResponsesInput(request.messages),
      instructions: request.instructions,
      ...(request.tools.length ? { tools: toResponsesTools(request.tools) } : {}),
      ...(request.settings?.temperature === undefined ? {} : { temperature: request.settings.temperature }),
      ...(request.settings?.topP === undefined ? {} : { top_p: request.settings.topP }),
      ...(request.settings?.maxOutputTokens === undefined ? {} : { max_output_tokens: request.settings.maxOutputTokens }),
      ...(request.responseFormat ? { text: { format: toResponsesTextFormat(request.responseFormat) } } : {}),
      ...(reasoning ? { include: ['reasoning.encrypted_content'] } : {}),
      ...(reasoning && this.settings.reasoningSummary ? { reasoning: { summary: this.settings.reasoningSummary } } : {}),
      store: false,
      stream: true,
    };
  }

  async *stream(request: ModelRequest, options: { signal?: AbortSignal }): AsyncGenerator<ModelEvent> {
    const bytes = await postForStream({
      provider: this.provider,
      modelId: this.modelId,
      url: `${this.settings.baseURL.replace(/\/$/, '')}/responses`,
      headers: { authorization: `Bearer ${this.settings.apiKey}`, ...this.settings.headers },
      body: this.requestBody(request),
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
    const calls = new Map<string, CallState>();
    // Reasoning item id → the summary parts seen, to separate parts with a blank line.
    const reasoning = new Map<string, Set<number>>();
    let usage: Usage | undefined;
    let finish: { finishReason: FinishReason; raw: string } | undefined;
    let refused = false;

    for await (const message of parseSseStream(bytes)) {
      if (message.data.trim() === '' || message.data === '[DONE]') continue;
      const json = parseJsonSafely(message.data);
      if (!json.ok) throw this.fail('malformed', `a chunk is not JSON: ${message.data.slice(0, 200)}`);
      const type = (json.value as { type?: unknown } | null)?.type;
      if (typeof type !== 'string' || !knownResponsesEventTypes.has(type)) continue;
      const parsed = responsesEventSchema.safeParse(json.value);
      if (!parsed.success) throw this.fail('malformed', `an unexpected ${type} event: ${parsed.error.issues[0]?.message ?? ''}`);
      const event = parsed.data;
      switch (event.type) {
        case 'response.output_item.added': {
          const item = event.item;
          if (item.type === 'function_call' && 'call_id' in item) {
            calls.set(item.id ?? item.call_id, { callId: item.call_id, name: item.name, argumentsText: '', ready: false });
            yield { type: 'tool-call-start', callId: item.call_id, name: item.name };
          } else if (item.type === 'reasoning' && item.id) {
            reasoning.set(item.id, new Set());
            yield { type: 'reasoning-start', blockId: item.id };
          }
          break;
        }
        case 'response.output_text.delta':
          if (event.delta) yield { type: 'text-delta', text: event.delta };
          break;
        case 'response.refusal.delta':
          // A refusal is what the model said instead of an answer: shown as text, finished as content_filter.
          if (event.delta) yield { type: 'text-delta', text: event.delta };
          refused = true;
          break;
        case 'response.reasoning_summary_text.delta': {
          const parts = reasoning.get(event.item_id);
          if (!parts || !event.delta) break;
          const separator = !parts.has(event.summary_index) && parts.size > 0 ? '\n\n' : '';
          parts.add(event.summary_index);
          yield { type: 'reasoning-delta', blockId: event.item_id, text: separator + event.delta };
          break;
        }
        case 'response.function_call_arguments.delta': {
          const call = calls.get(event.item_id);
          if (call && event.delta) {
            call.argumentsText += event.delta;
            yield { type: 'tool-call-delta', callId: call.callId, argumentsDelta: event.delta };
          }
          break;
        }
        case 'response.function_call_arguments.done': {
          const call = calls.get(event.item_id);
          // `done` carries the whole text: trust it over the deltas if a proxy dropped one.
          if (call) call.argumentsText = event.arguments;
          break;
        }
        case 'response.output_item.done': {
          const item = event.item;
          if (item.type === 'function_call' && 'call_id' in item) {
            const call = calls.get(item.id ?? item.call_id);
            if (call && !call.ready) {
              call.ready = true;
              yield { type: 'tool-call-ready', callId: call.callId, name: call.name, argumentsText: item.arguments ?? call.argumentsText };
            }
          } else if (item.type === 'reasoning' && item.id && reasoning.has(item.id)) {
            const providerData: ResponsesReasoningData = {
              protocol: 'openai-responses',
              itemId: item.id,
              ...('encrypted_content' in item && item.encrypted_content ? { encryptedContent: item.encrypted_content } : {}),
            };
            yield { type: 'reasoning-end', blockId: item.id, providerData: { ...providerData } };
          }
          break;
        }
        case 'response.completed':
        case 'response.incomplete': {
          if (event.response.usage) usage = mapResponsesUsage(event.response.usage);
          const reason = event.response.incomplete_details?.reason;
          if (event.type === 'response.incomplete') {
            const finishReason = reason === 'max_output_tokens' ? 'length' : reason === 'content_filter' ? 'content_filter' : 'other';
            finish = { finishReason, raw: reason ?? 'incomplete' };
          } else if (refused) {
            finish = { finishReason: 'content_filter', raw: 'refusal' };
          } else {
            finish = calls.size > 0 ? { finishReason: 'tool_calls', raw: 'completed' } : { finishReason: 'stop', raw: 'completed' };
          }
          break;
        }
        case 'response.failed': {
          const error = event.response.error;
          throw this.fail(error ? kindForOpenAIError(error) : 'server', error?.message ?? 'the response failed');
        }
        case 'error': {
          const error = event.error ?? { message: event.message ?? 'the stream reported an error', code: event.code };
          throw this.fail(kindForOpenAIError(error), error.message);
        }
      }
      if (finish) break;
    }

    if (!finish) throw this.fail('truncated', 'the stream ended before response.completed');
    for (const call of calls.values()) {
      // A function call whose output_item.done never came, though the response completed: still a call.
      if (!call.ready) yield { type: 'tool-call-ready', callId: call.callId, name: call.name, argumentsText: call.argumentsText };
    }
    if (usage) yield { type: 'usage', usage };
    yield { type: 'finish', finishReason: finish.finishReason, rawFinishReason: finish.raw };
  }
}
