import { describe, expect, it } from 'vitest';
import { mapPieces, type Protocol } from './fixture-replay.js';

/** Shapes real servers send that the recorded fixtures do not cover. */

const bytes = (text: string) => [new TextEncoder().encode(text)];
const chat = (delta: unknown, finish: string | null = null) => `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const run = (protocol: Protocol, text: string) => mapPieces(protocol, bytes(text));

describe('stream edge cases', () => {
  it('chat: reasoning that resumes after text is a new block', async () => {
    const { events } = await run('openai-chat', chat({ reasoning: 'a' }) + chat({ content: 'x' }) + chat({ reasoning: 'b' }) + chat({}, 'stop'));
    expect(events.filter((event) => event.type.startsWith('reasoning'))).toEqual([
      { type: 'reasoning-start', blockId: 'reasoning-0' },
      { type: 'reasoning-delta', blockId: 'reasoning-0', text: 'a' },
      { type: 'reasoning-end', blockId: 'reasoning-0' },
      { type: 'reasoning-start', blockId: 'reasoning-1' },
      { type: 'reasoning-delta', blockId: 'reasoning-1', text: 'b' },
      { type: 'reasoning-end', blockId: 'reasoning-1' },
    ]);
  });

  it('chat: a tool call sent whole without an index (Ollama) is still a call', async () => {
    const { events } = await run(
      'openai-chat',
      chat({ tool_calls: [{ id: 'c1', function: { name: 'calculator', arguments: '{"expression":"1+1"}' } }] }) + chat({}, 'tool_calls'),
    );
    expect(events).toContainEqual({ type: 'tool-call-ready', callId: 'c1', name: 'calculator', argumentsText: '{"expression":"1+1"}' });
  });

  it('chat: an error chunk, structured or bare, ends the stream classified', async () => {
    expect((await run('openai-chat', 'data: {"error":{"message":"slow down","type":"rate_limit_exceeded","code":"rate_limit_exceeded"}}\n\n')).error).toMatchObject({
      kind: 'rate_limited',
      retryable: true,
    });
    expect((await run('openai-chat', 'data: {"error":"upstream failed"}\n\n')).error).toMatchObject({ kind: 'server', retryable: true });
    expect((await run('openai-chat', 'data: {"error":{"message":"too long","code":"context_length_exceeded"}}\n\n')).error).toMatchObject({
      kind: 'context_length',
      retryable: false,
    });
  });

  it('anthropic: a known event with a broken shape is malformed (not retryable); a stream without message_stop but with its stop reason is complete', async () => {
    expect((await run('anthropic', 'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"type":"text_delta","text":"x"}}\n\n')).error).toMatchObject({
      kind: 'malformed',
      retryable: false,
    });
    const complete = await run(
      'anthropic',
      'data: {"type":"message_start","message":{"usage":{"input_tokens":3,"output_tokens":1}}}\n\ndata: {"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"output_tokens":9}}\n\n',
    );
    expect(complete.events).toEqual([
      { type: 'usage', usage: { inputTokens: 3, outputTokens: 9, totalTokens: 12 } },
      { type: 'finish', finishReason: 'length', rawFinishReason: 'max_tokens' },
    ]);
  });

  it('responses: the nested error event, response.failed and response.incomplete', async () => {
    const nested = await run('openai-responses', 'data: {"type":"error","error":{"type":"insufficient_quota","code":"insufficient_quota","message":"quota"}}\n\n');
    expect(nested.error).toMatchObject({ kind: 'bad_request', retryable: false });
    const failed = await run('openai-responses', 'data: {"type":"response.failed","response":{"status":"failed","error":{"code":"server_error","message":"oops"}}}\n\n');
    expect(failed.error).toMatchObject({ kind: 'server', retryable: true, message: expect.stringContaining('oops') });
    const incomplete = await run(
      'openai-responses',
      'data: {"type":"response.incomplete","response":{"status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},"usage":{"input_tokens":1,"output_tokens":2}}}\n\n',
    );
    expect(incomplete.events.at(-1)).toEqual({ type: 'finish', finishReason: 'length', rawFinishReason: 'max_output_tokens' });
  });
});
