import { describe, expect, it } from 'vitest';
import type { ModelEvent } from '../../src/providers/model-events.js';
import { OpenAIChatModel } from '../../src/providers/openai-chat.js';
import { ProviderError } from '../../src/providers/provider-error.js';

const model = new OpenAIChatModel({ modelId: 'gpt-test', baseURL: 'http://unused', apiKey: 'k' });

async function mapChunks(wire: string): Promise<ModelEvent[]> {
  const bytes = new TextEncoder().encode(wire);
  async function* body() {
    yield bytes;
  }
  const events: ModelEvent[] = [];
  for await (const event of model.mapStream(body())) events.push(event);
  return events;
}

const sse = (...chunks: unknown[]) => chunks.map((chunk) => `data: ${typeof chunk === 'string' ? chunk : JSON.stringify(chunk)}\n\n`).join('');
const delta = (d: unknown, finish: string | null = null) => ({ choices: [{ index: 0, delta: d, finish_reason: finish }] });

describe('OpenAI Chat Completions stream mapping', () => {
  it('assembles interleaved tool calls by index and reports usage and finish', async () => {
    const events = await mapChunks(
      sse(
        delta({ role: 'assistant', content: '' }),
        delta({ content: 'Hi' }),
        delta({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'calculator', arguments: '' } }] }),
        delta({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'current_time', arguments: '{}' } }] }),
        delta({ tool_calls: [{ index: 0, function: { arguments: '{"expression":' } }] }),
        delta({ tool_calls: [{ index: 0, function: { arguments: '"1+1"}' } }] }),
        delta({}, 'tool_calls'),
        { choices: [], usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12, prompt_tokens_details: { cached_tokens: 2 } } },
        '[DONE]',
      ),
    );
    expect(events).toEqual([
      { type: 'text-delta', text: 'Hi' },
      { type: 'tool-call-start', callId: 'call_a', name: 'calculator' },
      { type: 'tool-call-start', callId: 'call_b', name: 'current_time' },
      { type: 'tool-call-delta', callId: 'call_b', argumentsDelta: '{}' },
      { type: 'tool-call-delta', callId: 'call_a', argumentsDelta: '{"expression":' },
      { type: 'tool-call-delta', callId: 'call_a', argumentsDelta: '"1+1"}' },
      { type: 'tool-call-ready', callId: 'call_a', name: 'calculator', argumentsText: '{"expression":"1+1"}' },
      { type: 'tool-call-ready', callId: 'call_b', name: 'current_time', argumentsText: '{}' },
      { type: 'usage', usage: { inputTokens: 5, outputTokens: 7, totalTokens: 12, cachedInputTokens: 2 } },
      { type: 'finish', finishReason: 'tool_calls', rawFinishReason: 'tool_calls' },
    ]);
  });

  it('classifies a stream cut before its finish as truncated (retryable)', async () => {
    const error = await mapChunks(sse(delta({ content: 'Hel' }))).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'truncated', isRetryable: true });
  });

  it('classifies a chunk that is not JSON as malformed (not retryable)', async () => {
    const error = await mapChunks(sse('{"choices": [')).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: 'malformed', isRetryable: false });
  });
});
