import { Context } from '@temporalio/activity';
import { WorkflowStreamClient } from '@temporalio/workflow-streams/client';
import { OpenAIChatModel } from '../../src/providers/openai-chat.js';

export interface PeerInput {
  model: string;
  /** The publisher's batch interval (the sample uses 200 ms; the library's default is 2 s). */
  batchIntervalMs: number;
  /** Flush on every delta instead of waiting for the interval: the tightest setting. */
  forceFlush: boolean;
}

/**
 * The sample's streaming activity, reading the model through runstream's own
 * Chat Completions adapter so both sides pay the same parsing cost: each delta
 * is published on the `delta` topic (with its index, so viewers can time it),
 * the whole text on `complete`.
 */
export function createPeerActivities(baseURL: string) {
  return {
    async streamCompletion(input: PeerInput): Promise<number> {
      const client = WorkflowStreamClient.fromWithinActivity({ batchInterval: input.batchIntervalMs });
      try {
        const deltas = client.topic<{ i: number; text: string }>('delta');
        const model = new OpenAIChatModel({ modelId: input.model, baseURL, apiKey: 'bench' });
        let index = 0;
        let text = '';
        const stream = model.stream({ messages: [{ role: 'user', content: 'go' }], tools: [] }, { signal: Context.current().cancellationSignal });
        for await (const event of stream) {
          if (event.type !== 'text-delta' || !event.text) continue;
          deltas.publish({ i: index++, text: event.text }, { forceFlush: input.forceFlush });
          text += event.text;
        }
        client.topic<{ fullText: string }>('complete').publish({ fullText: text }, { forceFlush: true });
        return text.length;
      } finally {
        await client[Symbol.asyncDispose]();
      }
    },
  };
}
