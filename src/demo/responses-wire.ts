import { createHash } from 'node:crypto';
import { z } from 'zod';
import { openAIErrorBody } from './chat-completions-wire.js';
import { chunkText, type ScriptedTurn } from './script.js';
import { estimateUsage, issueMessage, jsonSchemaFormatSchema, type EncodeOptions, type WireChunk, type WireConversation, type WireProtocol } from './wire-protocol.js';

/** The OpenAI Responses side of the local LLM server (https://platform.openai.com/docs/api-reference/responses-streaming). */

const itemSchema = z.object({
  type: z.string().optional(),
  role: z.string().optional(),
  content: z.union([z.string(), z.array(z.object({ type: z.string(), text: z.string().optional() }))]).optional(),
  call_id: z.string().optional(),
  name: z.string().optional(),
  output: z.string().optional(),
  encrypted_content: z.string().optional(),
  summary: z.array(z.object({ text: z.string() })).optional(),
});
const requestSchema = z.object({
  model: z.string(),
  input: z.union([z.string(), z.array(itemSchema)]),
  instructions: z.string().optional(),
  tools: z.array(z.object({ type: z.string(), name: z.string().optional() })).optional(),
  stream: z.literal(true),
  text: z
    .object({
      format: z
        .discriminatedUnion('type', [
          z.object({ type: z.literal('text') }),
          z.object({ type: z.literal('json_object') }),
          jsonSchemaFormatSchema.extend({ type: z.literal('json_schema') }),
        ])
        .optional(),
    })
    .optional(),
});
type ResponsesRequest = z.infer<typeof requestSchema>;
type Item = z.infer<typeof itemSchema>;

const textOf = (content: Item['content']): string =>
  typeof content === 'string' ? content : (content ?? []).map((part) => part.text ?? '').join('');
const isModelOutput = (item: Item) => item.role === 'assistant' || item.type === 'function_call' || item.type === 'reasoning';

const demoEncryption = (summary: string) => createHash('sha256').update(summary).digest('base64');

function readResponsesConversation(request: ResponsesRequest): WireConversation | string {
  const items: Item[] = typeof request.input === 'string' ? [{ role: 'user', content: request.input }] : request.input;
  // Encrypted reasoning must come back exactly as it was given out.
  for (const [index, item] of items.entries()) {
    const summary = (item.summary ?? []).map((part) => part.text).join('\n\n');
    if (item.type === 'reasoning' && item.encrypted_content !== undefined && item.encrypted_content !== demoEncryption(summary)) {
      return `input[${index}].encrypted_content: the encrypted content could not be verified`;
    }
  }
  const format = request.text?.format;
  const lastUserIndex = items.findLastIndex((item) => item.role === 'user');
  const after = items.slice(lastUserIndex + 1);
  const toolNamesById = new Map(after.filter((item) => item.type === 'function_call').map((item) => [item.call_id, item.name ?? 'tool']));
  // One model turn leaves a run of output items (reasoning, message, function calls): count the runs.
  const turnIndex = after.filter((item, index) => isModelOutput(item) && !(index > 0 && isModelOutput(after[index - 1]!))).length;
  return {
    model: request.model,
    view: {
      lastUser: lastUserIndex >= 0 ? textOf(items[lastUserIndex]?.content) : '',
      toolResults: after
        .filter((item) => item.type === 'function_call_output')
        .map((item) => ({ name: toolNamesById.get(item.call_id) ?? 'tool', content: item.output ?? '' })),
      toolNames: (request.tools ?? []).flatMap((tool) => (tool.name ? [tool.name] : [])),
      outputSchema: format?.type === 'json_schema' ? format.schema : undefined,
    },
    turnIndex,
    prefill: '',
    inputCharacters: items.reduce((sum, item) => sum + textOf(item.content).length + (item.output ?? '').length, 0),
    responseFormat: format,
  };
}

export function encodeResponsesTurn(turn: ScriptedTurn, options: EncodeOptions): WireChunk[] {
  const delayMs = turn.delayMs ?? 0;
  const responseId = `resp_demo${options.turnIndex}`;
  let sequence = 0;
  const chunks: WireChunk[] = [];
  const emit = (type: string, body: Record<string, unknown>, delay = 0) =>
    chunks.push({ event: type, data: JSON.stringify({ type, sequence_number: sequence++, ...body }), delayMs: delay });
  const response = (status: string, extra: Record<string, unknown> = {}) => ({
    id: responseId,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status,
    model: options.model,
    output: [],
    usage: null,
    ...extra,
  });
  emit('response.created', { response: response('in_progress') });
  emit('response.in_progress', { response: response('in_progress') });
  let outputIndex = 0;
  const item = (added: Record<string, unknown>, body: () => void, done: Record<string, unknown>) => {
    emit('response.output_item.added', { output_index: outputIndex, item: added });
    body();
    emit('response.output_item.done', { output_index: outputIndex, item: done });
    outputIndex++;
  };
  const itemFields = (id: string) => ({ item_id: id, output_index: outputIndex });
  if (turn.reasoning) {
    const id = `rs_demo${options.turnIndex}`;
    const summary = turn.reasoning;
    const encrypted = demoEncryption(summary);
    item({ id, type: 'reasoning', summary: [] }, () => {
      emit('response.reasoning_summary_part.added', { ...itemFields(id), summary_index: 0, part: { type: 'summary_text', text: '' } });
      for (const piece of chunkText(summary, turn.chunkSize)) {
        emit('response.reasoning_summary_text.delta', { ...itemFields(id), summary_index: 0, delta: piece }, delayMs);
      }
      emit('response.reasoning_summary_text.done', { ...itemFields(id), summary_index: 0, text: summary });
      emit('response.reasoning_summary_part.done', { ...itemFields(id), summary_index: 0, part: { type: 'summary_text', text: summary } });
    }, { id, type: 'reasoning', summary: [{ type: 'summary_text', text: summary }], encrypted_content: encrypted });
  }
  const text = (turn.text ?? '').slice(options.skipText);
  if (text) {
    const id = `msg_demo${options.turnIndex}`;
    const message = (status: string, content: unknown[]) => ({ id, type: 'message', status, role: 'assistant', content });
    item(message('in_progress', []), () => {
      const part = { ...itemFields(id), content_index: 0 };
      emit('response.content_part.added', { ...part, part: { type: 'output_text', text: '', annotations: [] } });
      for (const piece of chunkText(text, turn.chunkSize)) emit('response.output_text.delta', { ...part, delta: piece, logprobs: [] }, delayMs);
      emit('response.output_text.done', { ...part, text, logprobs: [] });
      emit('response.content_part.done', { ...part, part: { type: 'output_text', text, annotations: [] } });
    }, message('completed', [{ type: 'output_text', text, annotations: [] }]));
  }
  (turn.toolCalls ?? []).forEach((call, index) => {
    const id = `fc_demo${options.turnIndex}_${index}`;
    const argumentsText = JSON.stringify(call.arguments ?? {});
    const functionCall = (status: string, args: string) => ({ id, type: 'function_call', status, arguments: args, call_id: `call_demo${options.turnIndex}_${index}`, name: call.name });
    item(functionCall('in_progress', ''), () => {
      for (const piece of chunkText(argumentsText, 8)) emit('response.function_call_arguments.delta', { ...itemFields(id), delta: piece }, delayMs);
      emit('response.function_call_arguments.done', { ...itemFields(id), arguments: argumentsText });
    }, functionCall('completed', argumentsText));
  });
  const usage = estimateUsage(turn, text, options.inputCharacters);
  const usageBody = {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
  const incomplete = turn.finishReason === 'length' ? 'max_output_tokens' : turn.finishReason === 'content_filter' ? 'content_filter' : undefined;
  if (incomplete) emit('response.incomplete', { response: response('incomplete', { usage: usageBody, incomplete_details: { reason: incomplete } }) });
  else emit('response.completed', { response: response('completed', { usage: usageBody }) });
  return chunks;
}

export const responsesProtocol: WireProtocol = {
  name: 'responses',
  path: '/v1/responses',
  apiKey: (headers) => headers.authorization?.replace(/^Bearer /, ''),
  parseRequest(body) {
    const parsed = requestSchema.safeParse(body);
    if (!parsed.success) return { ok: false, message: issueMessage(parsed.error) };
    const conversation = readResponsesConversation(parsed.data);
    return typeof conversation === 'string' ? { ok: false, message: conversation } : { ok: true, value: conversation };
  },
  encodeTurn: encodeResponsesTurn,
  // The API sends the error event, then response.failed carrying the same error.
  streamError: (type, message) => [
    { event: 'error', data: JSON.stringify({ type: 'error', code: type, message, param: null }), delayMs: 0 },
    {
      event: 'response.failed',
      data: JSON.stringify({ type: 'response.failed', response: { id: 'resp_demo', object: 'response', status: 'failed', error: { code: type, message }, output: [], usage: null } }),
      delayMs: 0,
    },
  ],
  errorBody: openAIErrorBody,
};
