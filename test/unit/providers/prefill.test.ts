import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLlmServer, type LlmServer } from '../../../src/demo/llm-server.js';
import { AnthropicMessagesModel } from '../../../src/providers/anthropic-messages.js';
import type { LanguageModel } from '../../../src/providers/language-model.js';
import { OpenAIChatModel } from '../../../src/providers/openai-chat.js';
import { OpenAIResponsesModel } from '../../../src/providers/openai-responses.js';

/**
 * Continuing a partial message: whatever prefix the step already said, the
 * prefix plus the continuation is exactly the full text — no character
 * repeated, none skipped, even where Anthropic forces trailing whitespace off.
 */

const fullText = 'Hello  world,\nthe answer is 42 — ça va? 🚀 done.';

describe('prefill continuation against the local LLM server', () => {
  let server: LlmServer;
  beforeAll(async () => {
    server = await startLlmServer();
    server.registerScript('prefill-script', { turns: [{ text: fullText, chunkSize: 3 }], failures: [] });
  });
  afterAll(async () => {
    await server.close();
  });

  const continuation = async (model: LanguageModel, prefill: string) => {
    let text = '';
    const request = { messages: [{ role: 'user' as const, content: 'go' }], tools: [], ...(prefill ? { prefill } : {}) };
    for await (const event of model.stream(request, {})) if (event.type === 'text-delta') text += event.text;
    return text;
  };

  it('reports which protocols can continue a partial message', () => {
    const settings = { modelId: 'm', baseURL: server.openaiBaseURL, apiKey: 'k' };
    expect(new AnthropicMessagesModel(settings).capabilities.continuesPartialText).toBe(true);
    expect(new OpenAIResponsesModel(settings).capabilities.continuesPartialText).toBe(false);
    expect(new OpenAIChatModel(settings).capabilities.continuesPartialText).toBe(false);
    expect(new OpenAIChatModel({ ...settings, continueFinalMessage: true }).capabilities.continuesPartialText).toBe(true);
  });

  it.each([
    ['anthropic', () => new AnthropicMessagesModel({ modelId: 'prefill-script', baseURL: server.openaiBaseURL, apiKey: 'k' })],
    ['openai (continue_final_message)', () => new OpenAIChatModel({ modelId: 'prefill-script', baseURL: server.openaiBaseURL, apiKey: 'k', continueFinalMessage: true })],
  ] as const)('%s: every split point of the text continues exactly', async (_name, makeModel) => {
    const model = makeModel();
    // Each prefix length, including ones ending inside the double space, the newline and the emoji's neighbours.
    for (let cut = 0; cut <= fullText.length; cut++) {
      const prefill = fullText.slice(0, cut);
      // A prefix ending inside a surrogate pair is not text a model could have sent.
      if (/[\uD800-\uDBFF]$/.test(prefill)) continue;
      expect(prefill + (await continuation(model, prefill)), `cut at ${cut}`).toBe(fullText);
    }
  });
});
