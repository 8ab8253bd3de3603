import type { Message } from '../protocol/messages.js';
import type { ToolSpec } from './language-model.js';

/** The neutral transcript as Anthropic Messages wants it. */

type ContentBlock = Record<string, unknown> & { type: string };
interface WireMessage {
  role: 'user' | 'assistant';
  content: ContentBlock[];
}

export interface AnthropicPrompt {
  system: string | undefined;
  messages: WireMessage[];
  /**
   * Whitespace cut from the end of the prefill: Anthropic rejects a final
   * assistant message ending in whitespace, so it is sent trimmed and the
   * adapter drops these characters from the start of the continuation.
   */
  prefillTrimmed: string;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function assistantBlocks(message: Extract<Message, { role: 'assistant' }>): ContentBlock[] {
  const blocks: ContentBlock[] = [];
  // Thinking goes back first and verbatim: the signature covers it, and Anthropic checks it.
  for (const block of message.reasoning ?? []) {
    if (block.redactedData !== undefined) blocks.push({ type: 'redacted_thinking', data: block.redactedData });
    else if (block.signature !== undefined) blocks.push({ type: 'thinking', thinking: block.text, signature: block.signature });
    // Unsigned reasoning (from another provider) cannot be verified by Anthropic: left out.
  }
  if (message.content !== '') blocks.push({ type: 'text', text: message.content });
  for (const call of message.toolCalls ?? []) {
    blocks.push({ type: 'tool_use', id: call.callId, name: call.name, input: isPlainObject(call.arguments) ? call.arguments : {} });
  }
  return blocks;
}

export function toAnthropicPrompt(instructions: string | undefined, transcript: Message[], prefill?: string): AnthropicPrompt {
  const systemParts = instructions ? [instructions] : [];
  const messages: WireMessage[] = [];
  // Consecutive parts of one role become one message: tool results and a following user text share a turn.
  const push = (role: WireMessage['role'], blocks: ContentBlock[]) => {
    if (blocks.length === 0) return;
    const last = messages.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };
  for (const message of transcript) {
    switch (message.role) {
      case 'system':
        systemParts.push(message.content);
        break;
      case 'user':
        push('user', message.content === '' ? [] : [{ type: 'text', text: message.content }]);
        break;
      case 'assistant':
        push('assistant', assistantBlocks(message));
        break;
      case 'tool':
        push('user', [
          {
            type: 'tool_result',
            tool_use_id: message.callId,
            content: message.content,
            ...(message.isError ? { is_error: true } : {}),
          },
        ]);
        break;
    }
  }
  let prefillTrimmed = '';
  if (prefill) {
    const sent = prefill.trimEnd();
    prefillTrimmed = prefill.slice(sent.length);
    if (sent !== '') push('assistant', [{ type: 'text', text: sent }]);
  }
  return { system: systemParts.length ? systemParts.join('\n\n') : undefined, messages, prefillTrimmed };
}

export const toAnthropicTools = (tools: ToolSpec[]) =>
  tools.map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.parameters }));
