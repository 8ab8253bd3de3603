import { z } from 'zod';
import { chunkText, type ScriptedTurn } from './script.js';
import { estimateUsage, issueMessage, jsonSchemaFormatSchema, type EncodeOptions, type WireChunk, type WireConversation, type WireProtocol } from './wire-protocol.js';

/** The OpenAI Chat Completions side of the local LLM server: request → conversation, turn → SSE chunks. */

const requestSchema = z.object({
  model: z.string(),
  messages: z.array(
    z.object({
      role: z.string(),
      content: z.union([z.string(), z.null(), z.array(z.object({ type: z.string(), text: z.string().optional() }))]).optional(),
      tool_call_id: z.string().optional(),
      tool_calls: z.array(z.object({ id: z.string(), function: z.object({ name: z.string() }) })).optional(),
    }),
  ),
  tools: z.array(z.object({ function: z.object({ name: z.string(), parameters: z.record(z.string(), z.unknown()).optional() }) })).optional(),
  continue_final_message: z.boolean().optional(),
  response_format: z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('text') }),
      z.object({ type: z.literal('json_object') }),
      z.object({ type: z.literal('json_schema'), json_schema: jsonSchemaFormatSchema }),
    ])
    .optional(),
});
export type ChatRequest = z.infer<typeof requestSchema>;

const textOf = (content: ChatRequest['messages'][number]['content']): string =>
  typeof content === 'string' ? content : (content ?? []).map((part) => part.text ?? '').join('');

export function readChatConversation(request: ChatRequest): WireConversation {
  const messages = [...request.messages];
  let prefill = '';
  const last = messages.at(-1);
  if (request.continue_final_message && last?.role === 'assistant') {
    prefill = textOf(last.content);
    messages.pop();
  }
  const lastUserIndex = messages.findLastIndex((message) => message.role === 'user');
  const after = messages.slice(lastUserIndex + 1);
  const toolNamesById = new Map<string, string>();
  for (const message of after) for (const call of message.tool_calls ?? []) toolNamesById.set(call.id, call.function.name);
  return {
    model: request.model,
    view: {
      lastUser: lastUserIndex >= 0 ? textOf(messages[lastUserIndex]?.content ?? '') : '',
      earlier: messages.slice(0, Math.max(0, lastUserIndex)).map((message) => `${message.role}: ${textOf(message.content)}`),
      toolResults: after
        .filter((message) => message.role === 'tool')
        .map((message) => ({ name: toolNamesById.get(message.tool_call_id ?? '') ?? 'tool', content: textOf(message.content) })),
      toolNames: (request.tools ?? []).map((tool) => tool.function.name),
      toolParameters: Object.fromEntries((request.tools ?? []).map((tool) => [tool.function.name, tool.function.parameters ?? {}])),
      outputSchema: request.response_format?.type === 'json_schema' ? request.response_format.json_schema.schema : undefined,
    },
    turnIndex: after.filter((message) => message.role === 'assistant').length,
    prefill,
    inputCharacters: messages.reduce((sum, message) => sum + textOf(message.content).length, 0),
    responseFormat: request.response_format,
  };
}

/** Encodes one scripted turn as the chunks api.openai.com would stream, `[DONE]` included. */
export function encodeChatTurn(turn: ScriptedTurn, options: EncodeOptions): WireChunk[] {
  const id = `chatcmpl-${options.turnIndex}`;
  const created = Math.floor(Date.now() / 1000);
  const delayMs = turn.delayMs ?? 0;
  const chunk = (delta: unknown, finishReason: string | null = null) => ({
    data: JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model: options.model,
      choices: [{ index: 0, delta, finish_reason: finishReason }],
    }),
    delayMs,
  });
  const chunks: WireChunk[] = [chunk({ role: 'assistant', content: '' })];
  for (const piece of chunkText(turn.reasoning ?? '', turn.chunkSize)) chunks.push(chunk({ reasoning_content: piece }));
  const text = (turn.text ?? '').slice(options.skipText);
  for (const piece of chunkText(text, turn.chunkSize)) chunks.push(chunk({ content: piece }));
  (turn.toolCalls ?? []).forEach((call, index) => {
    const argumentsText = JSON.stringify(call.arguments ?? {});
    chunks.push(
      chunk({
        tool_calls: [{ index, id: `call_${options.turnIndex}_${index}`, type: 'function', function: { name: call.name, arguments: '' } }],
      }),
    );
    for (const piece of chunkText(argumentsText, 8)) chunks.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  const finishReason = turn.finishReason ?? (turn.toolCalls?.length ? 'tool_calls' : 'stop');
  chunks.push(chunk({}, finishReason));
  const usage = estimateUsage(turn, text, options.inputCharacters);
  chunks.push({
    data: JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model: options.model,
      choices: [],
      usage: {
        prompt_tokens: usage.inputTokens,
        completion_tokens: usage.outputTokens,
        total_tokens: usage.inputTokens + usage.outputTokens,
      },
    }),
    delayMs: 0,
  });
  chunks.push({ data: '[DONE]', delayMs: 0 });
  return chunks;
}

const openAIError = (message: string, type: string, code: string | null = null) => ({ error: { message, type, code, param: null } });

export const openAIErrorBody = (status: number, message: string, code?: string) =>
  openAIError(message, status >= 500 ? 'server_error' : status === 429 ? 'rate_limit_exceeded' : 'invalid_request_error', code ?? null);

export const chatCompletionsProtocol: WireProtocol = {
  name: 'chat',
  path: '/v1/chat/completions',
  apiKey: (headers) => headers.authorization?.replace(/^Bearer /, ''),
  parseRequest(body) {
    const parsed = requestSchema.safeParse(body);
    return parsed.success ? { ok: true, value: readChatConversation(parsed.data) } : { ok: false, message: issueMessage(parsed.error) };
  },
  encodeTurn: encodeChatTurn,
  streamError: (type, message) => [{ data: JSON.stringify(openAIError(message, type, type)), delayMs: 0 }],
  errorBody: openAIErrorBody,
};
