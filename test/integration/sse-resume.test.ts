import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoggedEvent } from '../../src/protocol/index.js';
import { startApiProcess, type ApiProcess } from '../../src/processes/api-process.js';
import { readSse } from '../support/sse-reader.js';
import { collect } from '../support/transcript-replay.js';
import { registerScript, startTestStack, testApiKey, type TestStack } from '../support/test-stack.js';

describe('resumable SSE: ids are log ids, Last-Event-ID and ?after= resume exactly after them', () => {
  let stack: TestStack;
  let runId: string;
  let recorded: LoggedEvent[];
  const auth = { authorization: `Bearer ${testApiKey}` };
  beforeAll(async () => {
    stack = await startTestStack('sse-resume');
    const model = await registerScript({
      turns: [
        { reasoning: 'Use the calculator.', text: 'Let me compute.', toolCalls: [{ name: 'calculator', arguments: { expression: '6*7' } }] },
        { text: 'The answer is 42, as computed by the calculator tool.' },
      ],
    });
    runId = (await stack.client.enqueue({ input: 'What is 6*7?', model: `openai:${model}` })).id;
    recorded = await collect(stack.client.subscribe(runId));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('the recorded run is the whole log, ending with its final event', async () => {
    const log = await readSse(`${stack.api.url}/v1/runs/${runId}/events`, auth);
    expect(log.messages.map((message) => message.id)).toEqual(recorded.map((entry) => entry.id));
    expect(recorded.at(-1)?.event.type).toBe('run.completed');
    expect(recorded.length).toBeGreaterThan(15);
    // Each SSE event names its type and carries the event's JSON.
    for (const [index, message] of log.messages.entries()) {
      expect(message.event).toBe(recorded[index]?.event.type);
      expect(JSON.parse(message.data)).toEqual(recorded[index]?.event);
    }
    expect(log.raw.startsWith('retry: ')).toBe(true);
  });

  it('resuming with Last-Event-ID at every position yields exactly the remainder', async () => {
    for (const [index, entry] of recorded.entries()) {
      const rest = await readSse(`${stack.api.url}/v1/runs/${runId}/events`, { ...auth, 'last-event-id': entry.id });
      expect(rest.messages.map((message) => message.id), `after #${index}`).toEqual(recorded.slice(index + 1).map((later) => later.id));
    }
  });

  it('?after= does the same, and the client resumes from `after` without repeating', async () => {
    const middle = Math.floor(recorded.length / 2);
    const cursor = recorded[middle]!.id;
    const viaQuery = await readSse(`${stack.api.url}/v1/runs/${runId}/events?after=${cursor}`, auth);
    expect(viaQuery.messages.map((message) => message.id)).toEqual(recorded.slice(middle + 1).map((entry) => entry.id));
    const viaClient = await collect(stack.client.subscribe(runId, { after: cursor }));
    expect(viaClient.map((entry) => entry.id)).toEqual(recorded.slice(middle + 1).map((entry) => entry.id));
  });

  it('a bad Last-Event-ID is a 400; an unknown run a 404', async () => {
    const bad = await fetch(`${stack.api.url}/v1/runs/${runId}/events`, { headers: { ...auth, 'last-event-id': 'yesterday' } });
    expect(bad.status).toBe(400);
    const unknown = await fetch(`${stack.api.url}/v1/runs/run_0000000000000000/events`, { headers: auth });
    expect(unknown.status).toBe(404);
  });

  it('sends comment heartbeats while a run is quiet', async () => {
    let api: ApiProcess | undefined;
    try {
      api = await startApiProcess(stack.env, { port: 0, sse: { heartbeatMs: 20 } });
      const slow = await registerScript({ turns: [{ text: 'a b c d e f g h', delayMs: 150 }] });
      const run = await stack.client.enqueue({ input: 'slowly', model: `openai:${slow}`, tools: [] });
      const read = await readSse(`${api.url}/v1/runs/${run.id}/events`, auth);
      expect(read.raw).toMatch(/^: keep-alive$/m);
      expect(read.messages.at(-1)?.event).toBe('run.completed');
    } finally {
      await api?.close();
    }
  });

  it('stream(): events and result together, from one call', async () => {
    const model = await registerScript({ turns: [{ text: 'Streamed with events and a result.' }] });
    const { events, result, run } = stack.client.stream({ input: 'go', model: `openai:${model}`, tools: [] });
    const seen = await collect(events);
    const outcome = await result;
    expect(outcome.output).toBe('Streamed with events and a result.');
    expect(seen.at(-1)?.event).toMatchObject({ type: 'run.completed', runId: (await run).id });
    // result alone, without iterating events, settles too.
    expect((await stack.client.stream({ input: 'go', model: `openai:${model}`, tools: [] }).result).output).toBe(outcome.output);
  });
});
