import { describe, expect, it } from 'vitest';
import type { Message } from '../../../src/protocol/messages.js';
import { toAnthropicPrompt } from '../../../src/providers/anthropic-messages-prompt.js';
import { toOpenAIChatMessages } from '../../../src/providers/openai-chat.js';
import { toResponsesInput } from '../../../src/providers/openai-responses-prompt.js';

/** One transcript, three wire formats. */
const transcript: Message[] = [
  { role: 'system', content: 'Answer briefly.' },
  { role: 'user', content: 'What is (17+25)*3, and the time?' },
  {
    role: 'assistant',
    content: 'Checking.',
    reasoning: [
      { blockId: 'r0', text: '', redactedData: 'REDACTED==' },
      { blockId: 'r1', text: 'Use both tools.', signature: 'SIG==' },
      { blockId: 'rs_1', text: 'Summary.', providerData: { protocol: 'openai-responses', itemId: 'rs_1', encryptedContent: 'ENC' } },
      { blockId: 'x', text: 'unsigned thoughts from another provider' },
    ],
    toolCalls: [
      { callId: 'call_1', name: 'calculator', arguments: { expression: '(17+25)*3' } },
      { callId: 'call_2', name: 'current_time', arguments: null, argumentsText: '{bad json' },
    ],
  },
  { role: 'tool', callId: 'call_1', name: 'calculator', content: '{"result":126}' },
  { role: 'tool', callId: 'call_2', name: 'current_time', content: '{"error":"invalid arguments"}', isError: true },
  { role: 'user', content: 'Thanks — and?' },
];

describe('conversation mapping', () => {
  it('Anthropic: system apart, thinking first and verbatim, tool results with is_error in one user turn', () => {
    expect(toAnthropicPrompt('Be kind.', transcript)).toEqual({
      system: 'Be kind.\n\nAnswer briefly.',
      prefillTrimmed: '',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'What is (17+25)*3, and the time?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'redacted_thinking', data: 'REDACTED==' },
            { type: 'thinking', thinking: 'Use both tools.', signature: 'SIG==' },
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'call_1', name: 'calculator', input: { expression: '(17+25)*3' } },
            { type: 'tool_use', id: 'call_2', name: 'current_time', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_1', content: '{"result":126}' },
            { type: 'tool_result', tool_use_id: 'call_2', content: '{"error":"invalid arguments"}', is_error: true },
            { type: 'text', text: 'Thanks — and?' },
          ],
        },
      ],
    });
  });

  it('Anthropic prefill: sent as a trailing assistant message without its trailing whitespace', () => {
    const prompt = toAnthropicPrompt(undefined, [{ role: 'user', content: 'hi' }], 'Hello there, \n');
    expect(prompt.messages.at(-1)).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'Hello there,' }] });
    expect(prompt.prefillTrimmed).toBe(' \n');
    // All whitespace: nothing to send, everything to drop from the continuation.
    expect(toAnthropicPrompt(undefined, [{ role: 'user', content: 'hi' }], '  ')).toMatchObject({
      messages: [{ role: 'user' }],
      prefillTrimmed: '  ',
    });
  });

  it('Responses: reasoning items with their encrypted content, function_call and function_call_output items', () => {
    expect(toResponsesInput(transcript)).toEqual([
      { role: 'system', content: 'Answer briefly.' },
      { role: 'user', content: 'What is (17+25)*3, and the time?' },
      { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'Summary.' }], encrypted_content: 'ENC' },
      { role: 'assistant', content: 'Checking.' },
      { type: 'function_call', call_id: 'call_1', name: 'calculator', arguments: '{"expression":"(17+25)*3"}' },
      { type: 'function_call', call_id: 'call_2', name: 'current_time', arguments: '{bad json' },
      { type: 'function_call_output', call_id: 'call_1', output: '{"result":126}' },
      { type: 'function_call_output', call_id: 'call_2', output: '{"error":"invalid arguments"}' },
      { role: 'user', content: 'Thanks — and?' },
    ]);
  });

  it('Chat Completions: tool_calls on the assistant message, tool messages by id, prefill last', () => {
    expect(toOpenAIChatMessages('Be kind.', transcript.slice(1, 4), 'Partial')).toEqual([
      { role: 'system', content: 'Be kind.' },
      { role: 'user', content: 'What is (17+25)*3, and the time?' },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'calculator', arguments: '{"expression":"(17+25)*3"}' } },
          { id: 'call_2', type: 'function', function: { name: 'current_time', arguments: '{bad json' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"result":126}' },
      { role: 'assistant', content: 'Partial' },
    ]);
  });
});
