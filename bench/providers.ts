import { encodeAnthropicTurn } from '../src/demo/anthropic-wire.js';
import { encodeChatTurn } from '../src/demo/chat-completions-wire.js';
import { encodeResponsesTurn } from '../src/demo/responses-wire.js';
import type { ScriptedTurn } from '../src/demo/script.js';
import { encodeSseFrame, type EncodeOptions, type WireChunk } from '../src/demo/wire-protocol.js';
import { AnthropicMessagesModel } from '../src/providers/anthropic-messages.js';
import type { ModelEvent } from '../src/providers/model-events.js';
import { OpenAIChatModel } from '../src/providers/openai-chat.js';
import { OpenAIResponsesModel } from '../src/providers/openai-responses.js';
import { parseSseStream } from '../src/protocol/sse.js';

/**
 * Provider parse throughput: each protocol's adapter (SSE parse + zod +
 * mapping to neutral events) against the bare SSE parser over the same bytes,
 * measured in one run, best of several rounds.
 */

const turn: ScriptedTurn = {
  reasoning: 'Let me think about this carefully, step by step — ça dépend. '.repeat(400),
  text: 'The quick brown fox jumps over the lazy dog; 日本語も少し。 '.repeat(4_000),
  toolCalls: Array.from({ length: 8 }, (_, index) => ({ name: `tool_${index}`, arguments: { query: 'x'.repeat(2_000), index } })),
  chunkSize: 4,
};
const options: EncodeOptions = { model: 'bench', turnIndex: 0, skipText: 0, inputCharacters: 1_000 };
const settings = { modelId: 'bench', baseURL: 'http://unused', apiKey: 'bench' };

const protocols: { name: string; encode: (turn: ScriptedTurn, options: EncodeOptions) => WireChunk[]; map: (bytes: AsyncIterable<Uint8Array>) => AsyncIterable<ModelEvent> }[] = [
  { name: 'openai-chat', encode: encodeChatTurn, map: (bytes) => new OpenAIChatModel(settings).mapStream(bytes) },
  { name: 'openai-responses', encode: encodeResponsesTurn, map: (bytes) => new OpenAIResponsesModel(settings).mapStream(bytes) },
  { name: 'anthropic', encode: encodeAnthropicTurn, map: (bytes) => new AnthropicMessagesModel(settings).mapStream(bytes) },
];

/** The stream as a network would deliver it: 16 KiB reads. */
function pieces(bytes: Uint8Array, size = 16 * 1024): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) out.push(bytes.subarray(offset, offset + size));
  return out;
}
async function* replay(chunks: Uint8Array[]) {
  for (const chunk of chunks) yield chunk;
}

async function best(rounds: number, run: () => Promise<number>): Promise<{ ms: number; count: number }> {
  let ms = Number.POSITIVE_INFINITY;
  let count = 0;
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    count = await run();
    ms = Math.min(ms, performance.now() - start);
  }
  return { ms, count };
}

const mbPerSecond = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);
const perSecond = (count: number, ms: number) => (count / ms) * 1000;

export default async function providersBench(): Promise<void> {
  console.log('protocol            MB     adapter MB/s  events/s     bare SSE MB/s  messages/s   adapter/bare  SSE+JSON MB/s');
  for (const protocol of protocols) {
    const bytes = new TextEncoder().encode(protocol.encode(turn, options).map(encodeSseFrame).join(''));
    const chunks = pieces(bytes);
    const adapter = await best(5, async () => {
      let count = 0;
      for await (const _event of protocol.map(replay(chunks))) count++;
      return count;
    });
    const bare = await best(5, async () => {
      let count = 0;
      for await (const _message of parseSseStream(replay(chunks))) count++;
      return count;
    });
    const withJson = await best(5, async () => {
      let count = 0;
      for await (const message of parseSseStream(replay(chunks))) {
        if (message.data !== '[DONE]') JSON.parse(message.data);
        count++;
      }
      return count;
    });
    const adapterRate = mbPerSecond(bytes.length, adapter.ms);
    const bareRate = mbPerSecond(bytes.length, bare.ms);
    console.log(
      [
        protocol.name.padEnd(18),
        (bytes.length / 1e6).toFixed(2).padStart(5),
        adapterRate.toFixed(1).padStart(13),
        perSecond(adapter.count, adapter.ms).toFixed(0).padStart(10),
        bareRate.toFixed(1).padStart(15),
        perSecond(bare.count, bare.ms).toFixed(0).padStart(12),
        `${(adapterRate / bareRate).toFixed(2)}×`.padStart(14),
        mbPerSecond(bytes.length, withJson.ms).toFixed(1).padStart(14),
      ].join(' '),
    );
  }
  console.log('(adapter = SSE parse + JSON + zod + neutral mapping; bare = UTF-8 decode + eventsource-parser only;\n SSE+JSON = bare plus JSON.parse, the floor any validating adapter sits under; same bytes, best of 5)');
}
