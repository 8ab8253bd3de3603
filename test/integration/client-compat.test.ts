import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunLog } from '../../src/bus/run-log.js';
import { MalformedEventError, type RunView } from '../../src/client/index.js';
import type { LoggedEvent, RunEvent } from '../../src/protocol/index.js';
import { readSse } from '../support/sse-reader.js';
import { collect } from '../support/transcript-replay.js';
import { registerScript, startTestStack, testApiKey, type TestStack } from '../support/test-stack.js';

/**
 * A newer worker may log event types this client (built against today's
 * union) does not know. The log, the API and the client pass them on; the
 * client yields them as `unknown` and keeps going to the run's end.
 */
describe('a client meets events it does not know', () => {
  let stack: TestStack;
  let redis: Redis;
  let runId: string;
  let events: LoggedEvent[];
  let views: RunView[];
  const errors: { error: unknown; id: string }[] = [];
  const reconnects: unknown[] = [];
  const at = () => new Date().toISOString();

  beforeAll(async () => {
    stack = await startTestStack('client-compat', { deferWorker: true });
    redis = new Redis(stack.env.REDIS_URL);
    const log = new RunLog(redis, { keyPrefix: stack.env.RUNSTREAM_KEY_PREFIX });
    const model = await registerScript({ turns: [{ text: 'Computing.', toolCalls: [{ name: 'calculator', arguments: { expression: '6*7' } }] }, { text: 'It is 42.' }] });
    runId = (await stack.client.enqueue({ input: 'What is 6*7?', model: `openai:${model}` })).id;
    // Before any worker runs it: what a newer worker would log, and one entry whose fields are wrong.
    const future = { type: 'step.annotated', runId, at: at(), note: 'a type from a later version' };
    const malformed = { type: 'text.delta', runId, at: at(), step: 1 };
    await log.append(runId, [
      { producer: 'newer-worker', seq: 1, event: future as unknown as RunEvent },
      { producer: 'newer-worker', seq: 2, event: malformed as unknown as RunEvent },
    ]);
    const options = { onError: (error: unknown, frame: { id: string }) => errors.push({ error, id: frame.id }), onReconnect: (info: unknown) => reconnects.push(info) };
    const watching = (async () => {
      const seen: RunView[] = [];
      for await (const view of stack.client.watch(runId)) seen.push(view);
      return seen;
    })();
    const collecting = Promise.all([collect(stack.client.subscribe(runId, options)), watching]);
    await stack.startWorker();
    [events, views] = await collecting;
  });
  afterAll(async () => {
    redis?.disconnect();
    await stack?.stop();
  });

  it('yields the unknown type as { type: "unknown", raw }, reports the malformed entry once, never reconnects, and ends with the run', () => {
    expect(events[0]?.event).toEqual({ type: 'unknown', raw: { type: 'step.annotated', runId, at: expect.any(String), note: 'a type from a later version' } });
    expect(events.filter((entry) => entry.event.type === 'unknown')).toHaveLength(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.error).toBeInstanceOf(MalformedEventError);
    expect(String(errors[0]!.error)).toMatch(/malformed text\.delta event: offset/);
    expect(events.map((entry) => entry.id)).not.toContain(errors[0]!.id);
    expect(reconnects).toEqual([]);
    expect(events.at(-1)?.event.type).toBe('run.completed');
  });

  it('the API sends the unknown event under its own type, as the worker logged it', async () => {
    const sse = await readSse(`${stack.api.url}/v1/runs/${runId}/events`, { authorization: `Bearer ${testApiKey}` });
    expect(sse.messages[0]).toMatchObject({ id: events[0]!.id, event: 'step.annotated' });
    expect(sse.messages[1]).toMatchObject({ id: errors[0]!.id, event: 'text.delta' });
    expect(sse.messages.at(-1)?.event).toBe('run.completed');
  });

  it('watch() yields the folded view after each event, ending with the run as the transcript has it', async () => {
    expect(views).toHaveLength(events.length);
    const last = views.at(-1)!;
    expect(last.status).toBe('completed');
    expect(last.lastEventId).toBe(events.at(-1)!.id);
    expect(last.steps.map((step) => step.text)).toEqual(['Computing.', 'It is 42.']);
    expect(last.steps[0]!.toolCalls[0]).toMatchObject({ name: 'calculator', state: 'finished', isError: false });
    const result = await stack.client.result(runId);
    expect(last.result).toEqual(result);
    expect(last.steps.map((step) => step.text)).toEqual(result.messages.filter((message) => message.role === 'assistant').map((message) => message.content));
  });
});
