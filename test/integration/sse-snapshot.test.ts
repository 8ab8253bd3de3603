import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunLog } from '../../src/bus/run-log.js';
import { compareStreamIds } from '../../src/protocol/stream-id.js';
import { createClient } from '../../src/client/index.js';
import type { LoggedEvent } from '../../src/protocol/index.js';
import { startApiProcess } from '../../src/processes/api-process.js';
import { readSse } from '../support/sse-reader.js';
import { collect } from '../support/transcript-replay.js';
import { registerScript, startTestStack, testApiKey, type TestStack } from '../support/test-stack.js';

describe('a snapshot from the workflow when the log no longer covers the asked-for id', () => {
  let stack: TestStack;
  let redis: Redis;
  let log: RunLog;
  const auth = { authorization: `Bearer ${testApiKey}` };
  beforeAll(async () => {
    stack = await startTestStack('sse-snapshot');
    redis = new Redis(stack.env.REDIS_URL);
    log = new RunLog(redis, { keyPrefix: stack.env.RUNSTREAM_KEY_PREFIX });
  });
  afterAll(async () => {
    redis?.disconnect();
    await stack?.stop();
  });

  const twoSteps = (finalText: string, delayMs = 0) =>
    registerScript({
      turns: [
        { text: 'Computing.', toolCalls: [{ name: 'calculator', arguments: { expression: '2+2' } }] },
        { text: finalText, delayMs },
      ],
    });

  it('a finished run with a trimmed log: snapshot, then the rest the log still holds', async () => {
    const model = await twoSteps('It is 4.');
    const run = await stack.client.enqueue({ input: '2+2?', model: `openai:${model}` });
    const full = await collect(stack.client.subscribe(run.id));
    const result = await stack.client.result(run.id);
    await stack.temporal.workflow.getHandle(run.id).result();
    await redis.xtrim(log.logKey(run.id), 'MAXLEN', 3);
    const kept = full.slice(-3).map((entry) => entry.id);

    // From the start: the first events are gone, so a snapshot of the whole (ended) run, then the end.
    const fromStart = await readSse(`${stack.api.url}/v1/runs/${run.id}/events`, auth);
    expect(fromStart.messages).toHaveLength(1);
    const snapshot = JSON.parse(fromStart.messages[0]!.data) as { type: string; status: string; messages: unknown[] };
    expect(fromStart.messages[0]!.event).toBe('snapshot');
    expect(snapshot).toMatchObject({ type: 'snapshot', status: 'completed' });
    expect(snapshot.messages).toEqual(result.messages);
    expect(fromStart.messages[0]!.id).toBe(kept.at(-1));

    // After an id that was trimmed away: a snapshot as well.
    const fromTrimmed = await readSse(`${stack.api.url}/v1/runs/${run.id}/events`, { ...auth, 'last-event-id': full[1]!.id });
    expect(fromTrimmed.messages.map((message) => message.event)).toEqual(['snapshot']);

    // After an id the log still covers: exactly the remainder, no snapshot.
    const covered = await readSse(`${stack.api.url}/v1/runs/${run.id}/events`, { ...auth, 'last-event-id': kept[0]! });
    expect(covered.messages.map((message) => message.id)).toEqual(kept.slice(1));

    // The client treats a final snapshot as the end, and result() still answers.
    const viaClient = await collect(stack.client.subscribe(run.id));
    expect(viaClient.map((entry) => entry.event.type)).toEqual(['snapshot']);
  });

  it('a finished run whose log expired: snapshot, then end; result() still answers', async () => {
    const model = await twoSteps('Four.');
    const run = await stack.client.enqueue({ input: '2+2?', model: `openai:${model}` });
    const result = await stack.client.result(run.id);
    // The final event is logged just before the workflow closes: wait for the close.
    await stack.temporal.workflow.getHandle(run.id).result();
    await redis.del(log.logKey(run.id));
    const read = await readSse(`${stack.api.url}/v1/runs/${run.id}/events`, auth);
    expect(read.messages.map((message) => message.event)).toEqual(['snapshot']);
    expect(JSON.parse(read.messages[0]!.data)).toMatchObject({ status: 'completed', messages: result.messages });
    expect((await stack.client.result(run.id)).output).toBe('Four.');
  });

  it('a live run trimmed under a new viewer: snapshot of the transcript so far, then live to the end', async () => {
    const answer = Array.from({ length: 120 }, (_, index) => `w${index}`).join(' ');
    const model = await twoSteps(answer, 15);
    const run = await stack.client.enqueue({ input: '2+2?', model: `openai:${model}` });
    let trimmed: Promise<LoggedEvent[]> | undefined;
    const first = await collect(stack.client.subscribe(run.id), (entry) => {
      if (!trimmed && entry.event.type === 'text.delta' && entry.event.step === 2 && entry.event.offset > 50) {
        trimmed = redis.xtrim(log.logKey(run.id), 'MAXLEN', 0).then(() => collect(stack.client.subscribe(run.id)));
      }
    });
    const late = await trimmed!;
    const [snapshot, ...rest] = late;
    expect(snapshot?.event).toMatchObject({ type: 'snapshot', status: 'running' });
    const messages = snapshot?.event.type === 'snapshot' ? snapshot.event.messages : [];
    // The first step (the tool call and its result) is in the transcript already.
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool']);
    // Then every event after the snapshot's id, exactly as the first viewer saw them.
    expect(rest.map((entry) => entry.id)).toEqual(first.filter((entry) => compareStreamIds(entry.id, snapshot!.id) > 0).map((entry) => entry.id));
    expect(rest.at(-1)?.event.type).toBe('run.completed');
  });

  it('a run terminated from outside (no final event logged): live and later viewers end with a snapshot of its status', async () => {
    const api = await startApiProcess(stack.env, { port: 0, sse: { heartbeatMs: 100 } });
    try {
      const client = createClient({ url: api.url, apiKey: testApiKey, reconnectDelayMs: 100 });
      const model = await registerScript({ turns: [{ text: 'slow '.repeat(250), delayMs: 20 }] });
      const run = await client.enqueue({ input: 'never finishes', model: `openai:${model}`, tools: [] });
      let terminated: Promise<unknown> | undefined;
      const live = await collect(client.subscribe(run.id), (entry) => {
        if (!terminated && entry.event.type === 'text.delta') terminated = stack.temporal.workflow.getHandle(run.id).terminate('test: stop from outside');
      });
      await terminated;
      expect(live.at(-1)?.event).toMatchObject({ type: 'snapshot', status: 'failed' });
      expect(live.some((entry) => entry.event.type === 'text.delta')).toBe(true);
      const later = await collect(client.subscribe(run.id));
      // The terminated run's activity may log a few more deltas before it learns of the end; what the live viewer got comes first.
      const liveIds = live.slice(0, -1).map((entry) => entry.id);
      expect(later.slice(0, liveIds.length).map((entry) => entry.id)).toEqual(liveIds);
      expect(later.at(-1)?.event).toMatchObject({ type: 'snapshot', status: 'failed' });
    } finally {
      await api.close();
    }
  });
});
