import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { AnthropicMessagesModel } from '../../../src/providers/anthropic-messages.js';
import type { ModelEvent } from '../../../src/providers/model-events.js';
import { OpenAIChatModel } from '../../../src/providers/openai-chat.js';
import { OpenAIResponsesModel } from '../../../src/providers/openai-responses.js';
import { ProviderError } from '../../../src/providers/provider-error.js';

/** Recorded provider streams, replayed byte for byte, whole or cut at chosen offsets. */

export const protocols = ['openai-chat', 'openai-responses', 'anthropic'] as const;
export type Protocol = (typeof protocols)[number];
export const fixtureNames = ['text', 'tools', 'reasoning', 'error-mid-stream', 'truncated'] as const;

const fixtureDir = join(import.meta.dirname, '../../fixtures/providers');
export const fixtureBytes = (protocol: Protocol, name: string): Uint8Array =>
  new Uint8Array(readFileSync(join(fixtureDir, protocol, `${name}.sse`)));

/** A secret that must never reach an error message. */
export const replayApiKey = 'sk-replay-SECRET-0123456789';

export function modelFor(protocol: Protocol, baseURL = 'http://127.0.0.1:9') {
  const settings = { modelId: 'replay-model', baseURL, apiKey: replayApiKey };
  switch (protocol) {
    case 'openai-chat':
      return new OpenAIChatModel(settings);
    case 'openai-responses':
      return new OpenAIResponsesModel(settings);
    case 'anthropic':
      return new AnthropicMessagesModel(settings);
  }
}

/** Cuts bytes at the given offsets (sorted, deduplicated, inside the array). */
export function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((cut) => cut > 0 && cut < bytes.length))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    pieces.push(bytes.subarray(start, point));
    start = point;
  }
  return pieces;
}

export interface Outcome {
  events: ModelEvent[];
  error?: { kind: string; retryable: boolean; message: string };
}

/** Collects a stream's events, and the classified error it ended with, if any. */
export async function collectOutcome(stream: AsyncIterable<ModelEvent>): Promise<Outcome> {
  const events: ModelEvent[] = [];
  try {
    for await (const event of stream) events.push(event);
    return { events };
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    return { events, error: { kind: error.kind, retryable: error.isRetryable, message: error.message } };
  }
}

export function mapPieces(protocol: Protocol, pieces: Uint8Array[]): Promise<Outcome> {
  async function* body() {
    for (const piece of pieces) yield piece;
  }
  return collectOutcome(modelFor(protocol).mapStream(body()));
}

/**
 * A real HTTP server that answers every POST with the next planned replay:
 * the fixture's bytes written piece by piece, one event-loop turn apart, so
 * the pieces leave as separate writes.
 */
export async function startReplayServer(): Promise<{ url: string; plan(pieces: Uint8Array[]): void; close(): Promise<void> }> {
  let planned: Uint8Array[] = [];
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      void (async () => {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.flushHeaders();
        for (const piece of planned) {
          response.write(piece);
          await nextTurn();
        }
        response.end();
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    plan: (pieces) => {
      planned = pieces;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
