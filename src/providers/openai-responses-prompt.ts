import type { Message, ReasoningBlock } from '../protocol/messages.js';
import type { ResponseFormat, ToolSpec } from './language-model.js';

/** The neutral transcript as Responses input items (store: false, so everything is sent every turn). */

/** What a Responses reasoning item leaves in `ReasoningBlock.providerData`, to send it back. */
export interface ResponsesReasoningData {
  protocol: 'openai-responses';
  itemId: string;
  encryptedContent?: string;
}

const responsesData = (block: ReasoningBlock): ResponsesReasoningData | undefined => {
  const data = block.providerData;
  return data?.protocol === 'openai-responses' && typeof data.itemId === 'string' ? (data as unknown as ResponsesReasoningData) : undefined;
};

export function toResponsesInput(messages: Message[]): unknown[] {
  const items: unknown[] = [];
  for (const message of messages) {
    switch (message.role) {
      case 'system':
      case 'user':
        items.push({ role: message.role, content: message.content });
        break;
      case 'assistant':
        // Reasoning items go back before the output they led to; only ours, since others cannot be verified.
        for (const block of message.reasoning ?? []) {
          const data = responsesData(block);
          if (!data) continue;
          items.push({
            type: 'reasoning',
            id: data.itemId,
            summary: block.text ? [{ type: 'summary_text', text: block.text }] : [],
            ...(data.encryptedContent ? { encrypted_content: data.encryptedContent } : {}),
          });
        }
        if (message.content !== '') items.push({ role: 'assistant', content: message.content });
        for (const call of message.toolCalls ?? []) {
          items.push({
            type: 'function_call',
            call_id: call.callId,
            name: call.name,
            arguments: call.argumentsText ?? JSON.stringify(call.arguments ?? {}),
          });
        }
        break;
      case 'tool':
        items.push({ type: 'function_call_output', call_id: message.callId, output: message.content });
        break;
    }
  }
  return items;
}

export const toResponsesTools = (tools: ToolSpec[]) =>
  tools.map((tool) => ({ type: 'function', name: tool.name, description: tool.description, parameters: tool.parameters, strict: false }));

/** Responses puts structured output under `text.format`, flat (Chat Completions nests it in `json_schema`). */
export const toResponsesTextFormat = (format: ResponseFormat) => ({
  type: 'json_schema',
  name: format.name,
  description: format.description,
  schema: format.schema,
  strict: format.strict,
});
