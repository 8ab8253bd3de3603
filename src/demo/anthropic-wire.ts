import { createHash } from 'node:crypto';
import { z } from 'zod';
import { chunkText, type ScriptedTurn } from './script.js';
import { estimateUsage, issueMessage, type EncodeOptions, type WireChunk, type WireConversation, type WireProtocol } from './wire-protocol.js';

/** The Anthropic Messages side of the local LLM server (https://docs.anthropic.com/en/api/messages-streaming). */

const blockSchema = z.object({
  type: z.string(),
  text: z.string().optional(),
  id: z.string().optional(),
  name: z.string().optional(),
  tool_use_id: z.string().optional(),
  thinking: z.string().optional(),
  signature: z.string().optional(),
  content: z.union([z.string(), z.array(z.object({ type: z.string(), text: z.string().optional() }))]).optional(),
});
const requestSchema = z.object({
  model: z.string(),
  max_tokens: z.number().int().positive(),
  system: z.union([z.string(), z.array(z.object({ text: z.string() }))]).optional(),
  messages: z.array(z.object({ role: z.enum(['user', 'assistant']), content: z.union([z.string(), z.array(blockSchema)]) })).min(1),
  tools: z.array(z.object({ name: z.string() })).optional(),
  stream: z.literal(true),
});
type AnthropicRequest = z.infer<typeof requestSchema>;
type Content = AnthropicRequest['messages'][number]['content'];

const blocksOf = (content: Content) => (typeof content === 'string' ? [{ type: 'text', text: content }] : content);
const textOf = (content: Content | z.infer<typeof blockSchema>['content']): string =>
  typeof content === 'string' ? content : (content ?? []).map((block) => ('text' in block ? (block.text ?? '') : '')).join('');

function readAnthropicConversation(request: AnthropicRequest): WireConversation | string {
  const messages = [...request.messages];
  // Like Anthropic, reject thinking sent back altered: the signature must cover it verbatim.
  for (const [index, message] of messages.entries()) {
    for (const block of blocksOf(message.content)) {
      if (block.type === 'thinking' && 'signature' in block && block.signature !== demoSignature(block.thinking ?? '')) {
        return `messages.${index}.content: Invalid \`signature\` in \`thinking\` block`;
      }
    }
  }
  let prefill = '';
  // A trailing assistant message is always a prefill: the answer continues it.
  const last = messages.at(-1);
  if (last?.role === 'assistant') {
    prefill = textOf(last.content);
    if (/\s$/.test(prefill)) return 'messages: final assistant content cannot end with trailing whitespace';
    messages.pop();
  }
  // Tool results travel in user messages; the prompt is the last user message that says something itself.
  const lastUserIndex = messages.findLastIndex(
    (message) => message.role === 'user' && blocksOf(message.content).some((block) => block.type === 'text'),
  );
  const after = messages.slice(lastUserIndex + 1);
  const toolNamesById = new Map<string, string>();
  const toolResults: { name: string; content: string }[] = [];
  for (const message of after) {
    for (const block of blocksOf(message.content)) {
      if (block.type === 'tool_use' && 'id' in block && block.id) toolNamesById.set(block.id, block.name ?? 'tool');
      if (block.type === 'tool_result' && 'tool_use_id' in block) {
        toolResults.push({ name: toolNamesById.get(block.tool_use_id ?? '') ?? 'tool', content: textOf(block.content) });
      }
    }
  }
  return {
    model: request.model,
    view: {
      lastUser: lastUserIndex >= 0 ? textOf(messages[lastUserIndex]?.content ?? '') : '',
      toolResults,
      toolNames: (request.tools ?? []).map((tool) => tool.name),
    },
    turnIndex: after.filter((message) => message.role === 'assistant').length,
    prefill,
    inputCharacters: messages.reduce((sum, message) => sum + textOf(message.content).length, 0),
    ...(request.system === undefined
      ? {}
      : { system: typeof request.system === 'string' ? request.system : request.system.map((part) => part.text).join('\n\n') }),
  };
}

const stopReasons: Record<string, string> = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use', content_filter: 'refusal' };
const event = (type: string, body: Record<string, unknown>, delayMs = 0): WireChunk => ({
  event: type,
  data: JSON.stringify({ type, ...body }),
  delayMs,
});

/** A deterministic stand-in for Anthropic's signature over a thinking block. */
export const demoSignature = (thinking: string) => createHash('sha256').update(thinking).digest('base64');

export function encodeAnthropicTurn(turn: ScriptedTurn, options: EncodeOptions): WireChunk[] {
  const delayMs = turn.delayMs ?? 0;
  const text = (turn.text ?? '').slice(options.skipText);
  const usage = estimateUsage(turn, text, options.inputCharacters);
  const chunks: WireChunk[] = [
    event('message_start', {
      message: {
        id: `msg_demo${options.turnIndex}`,
        type: 'message',
        role: 'assistant',
        model: options.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: usage.inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 },
      },
    }),
  ];
  let index = 0;
  const block = (start: Record<string, unknown>, deltas: Record<string, unknown>[]) => {
    chunks.push(event('content_block_start', { index, content_block: start }, delayMs));
    for (const delta of deltas) chunks.push(event('content_block_delta', { index, delta }, delayMs));
    chunks.push(event('content_block_stop', { index }));
    index++;
  };
  if (turn.redactedReasoning) block({ type: 'redacted_thinking', data: turn.redactedReasoning }, []);
  if (turn.reasoning) {
    block({ type: 'thinking', thinking: '', signature: '' }, [
      ...chunkText(turn.reasoning, turn.chunkSize).map((piece) => ({ type: 'thinking_delta', thinking: piece })),
      { type: 'signature_delta', signature: demoSignature(turn.reasoning) },
    ]);
  }
  chunks.push(event('ping', {}));
  if (text) block({ type: 'text', text: '' }, chunkText(text, turn.chunkSize).map((piece) => ({ type: 'text_delta', text: piece })));
  (turn.toolCalls ?? []).forEach((call, callIndex) => {
    const pieces = chunkText(JSON.stringify(call.arguments ?? {}), 8);
    block({ type: 'tool_use', id: `toolu_demo${options.turnIndex}_${callIndex}`, name: call.name, input: {} }, [
      { type: 'input_json_delta', partial_json: '' },
      ...pieces.map((piece) => ({ type: 'input_json_delta', partial_json: piece })),
    ]);
  });
  const finish = turn.finishReason ?? (turn.toolCalls?.length ? 'tool_calls' : 'stop');
  chunks.push(
    event('message_delta', { delta: { stop_reason: stopReasons[finish] ?? finish, stop_sequence: null }, usage: { output_tokens: usage.outputTokens } }),
  );
  chunks.push(event('message_stop', {}));
  return chunks;
}

const errorTypes: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

export const anthropicProtocol: WireProtocol = {
  name: 'anthropic',
  path: '/v1/messages',
  apiKey: (headers) => (typeof headers['x-api-key'] === 'string' ? headers['x-api-key'] : undefined),
  parseRequest(body) {
    const parsed = requestSchema.safeParse(body);
    if (!parsed.success) return { ok: false, message: issueMessage(parsed.error) };
    const conversation = readAnthropicConversation(parsed.data);
    return typeof conversation === 'string' ? { ok: false, message: conversation } : { ok: true, value: conversation };
  },
  encodeTurn: encodeAnthropicTurn,
  streamError: (type, message) => [event('error', { error: { type, message } })],
  errorBody: (status, message, code) => ({
    type: 'error',
    // Anthropic's error types all end in _error; an OpenAI-style code (invalid_api_key) falls back to the status's type.
    error: { type: (code?.endsWith('_error') ? code : errorTypes[status]) ?? (status >= 500 ? 'api_error' : 'invalid_request_error'), message },
  }),
};
