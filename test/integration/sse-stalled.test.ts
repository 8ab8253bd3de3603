import { connect } from 'node:net';
import { createParser } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoggedEvent } from '../../src/protocol/index.js';
import { startApiProcess, type ApiProcess } from '../../src/processes/api-process.js';
import { collect } from '../support/transcript-replay.js';
import { registerScript, startTestStack, testApiKey, type TestStack } from '../support/test-stack.js';

const waitUntil = async (check: () => boolean) => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 20));
};

/** A viewer on a raw socket that sends its request and then stops reading. */
async function stalledViewer(api: ApiProcess, runId: string) {
  const socket = connect(Number(new URL(api.url).port), '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.pause();
  // HTTP/1.0 keeps the body unchunked: what arrives is the SSE text itself.
  socket.write(`GET /v1/runs/${runId}/events HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${testApiKey}\r\n\r\n`);
  return {
    /** Reads what the kernel still holds from before the cut; the ids of the complete events in it. */
    async drain(): Promise<{ status: string; ids: string[] }> {
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.resume();
      });
      const text = Buffer.concat(chunks).toString('utf8');
      const ids: string[] = [];
      createParser({ onEvent: (event) => event.id && ids.push(event.id) }).feed(text.slice(text.indexOf('\r\n\r\n') + 4));
      return { status: text.slice(0, text.indexOf('\r\n')), ids };
    },
  };
}

// ~9 MB of events go through Redis and the API: on a loaded machine that alone can take minutes, so the tests wait that long for their conditions.
describe('a stalled viewer is cut off instead of growing memory, and resumes with nothing lost', { timeout: 300_000 }, () => {
  let stack: TestStack;
  let runId: string;
  let full: Promise<LoggedEvent[]>;
  beforeAll(async () => {
    // No worker yet: the live viewer attaches before the first event, so every event reaches it live, however fast the run goes.
    stack = await startTestStack('sse-stalled', { deferWorker: true });
    // ~9 MB of events: more than the kernel's socket buffers hold on loopback (~4 MB), so the server has to choose.
    const model = await registerScript({ turns: [{ text: 'abcd'.repeat(50_000), chunkSize: 4 }] });
    runId = (await stack.client.enqueue({ input: 'a lot', model: `openai:${model}`, tools: [] })).id;
    full = collect(stack.client.subscribe(runId));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const expectResumable = async (received: string[]) => {
    const all = (await full).map((entry) => entry.id);
    expect(received.length).toBeGreaterThan(0);
    expect(received.length).toBeLessThan(all.length);
    expect(received).toEqual(all.slice(0, received.length));
    const resumed = await collect(stack.client.subscribe(runId, { after: received.at(-1)! }));
    expect([...received, ...resumed.map((entry) => entry.id)]).toEqual(all);
  };

  it('live: the events held for it overflow their bound, it is cut off, Last-Event-ID resumes exactly', async () => {
    const api = await startApiProcess(stack.env, { port: 0, sse: { maxBufferedBytes: 64 * 1024, maxBufferedEvents: 500, stallTimeoutMs: 600_000 } });
    try {
      const viewer = await stalledViewer(api, runId);
      await waitUntil(() => api.liveStats().openStreams === 1);
      await stack.startWorker();
      await waitUntil(() => api.liveStats().cutOff === 1);
      await waitUntil(() => api.liveStats().openStreams === 0);
      const { status, ids } = await viewer.drain();
      expect(status).toBe('HTTP/1.1 200 OK');
      await expectResumable(ids);
    } finally {
      await api.close();
    }
  });

  it('replay of an ended run: a viewer that takes nothing is cut off after the stall timeout, and resumes', async () => {
    if (!stack.worker) await stack.startWorker();
    await full;
    const api = await startApiProcess(stack.env, { port: 0, sse: { maxBufferedBytes: 64 * 1024, stallTimeoutMs: 300 } });
    try {
      const viewer = await stalledViewer(api, runId);
      await waitUntil(() => api.liveStats().cutOff === 1);
      const { ids } = await viewer.drain();
      await expectResumable(ids);
    } finally {
      await api.close();
    }
  });
});
