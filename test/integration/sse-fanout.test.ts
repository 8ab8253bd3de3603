import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunLog } from '../../src/bus/run-log.js';
import type { LoggedEvent } from '../../src/protocol/index.js';
import { collect, expectStrictlyIncreasing, rebuildStepTexts } from '../support/transcript-replay.js';
import { registerScript, startTestStack, type TestStack } from '../support/test-stack.js';

const waitUntil = async (check: () => boolean | Promise<boolean>) => {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
};

describe('fan-out: many viewers of one run share one Redis subscription per API process', () => {
  let stack: TestStack;
  let redis: Redis;
  let log: RunLog;
  beforeAll(async () => {
    // No worker yet: every viewer is attached before the run produces its first event.
    stack = await startTestStack('sse-fanout', { deferWorker: true });
    redis = new Redis(stack.env.REDIS_URL);
    log = new RunLog(redis, { keyPrefix: stack.env.RUNSTREAM_KEY_PREFIX });
  });
  afterAll(async () => {
    redis?.disconnect();
    await stack?.stop();
  });

  const subscribers = async (runId: string) => {
    const [, count] = (await redis.call('PUBSUB', 'NUMSUB', log.channel(runId))) as [string, number];
    return Number(count);
  };

  it('100 concurrent viewers each get the whole ordered stream; the API holds one subscription', async () => {
    const answer = Array.from({ length: 150 }, (_, index) => `token${index}`).join(' ');
    const model = await registerScript({ turns: [{ text: answer, delayMs: 2 }] });
    const run = await stack.client.enqueue({ input: 'fan out', model: `openai:${model}`, tools: [] });

    const viewers: Promise<LoggedEvent[]>[] = Array.from({ length: 100 }, () => collect(stack.client.subscribe(run.id)));
    await waitUntil(() => stack.api.liveStats().listeners === 100);
    // 100 followers in this process, one channel, one Redis subscriber connection on it.
    expect(stack.api.liveStats()).toMatchObject({ channels: 1, listeners: 100 });
    expect(await subscribers(run.id)).toBe(1);

    await stack.startWorker();
    const received = await Promise.all(viewers);
    const logged = (await log.read(run.id, undefined, 10_000)).map((entry) => entry.id);
    for (const events of received) {
      expect(events.map((entry) => entry.id)).toEqual(logged);
      expect(expectStrictlyIncreasing(events)).toBe(true);
      expect(rebuildStepTexts(events.map((entry) => entry.event)).get(1)).toBe(answer);
    }
    // Released with the last viewer.
    await waitUntil(() => stack.api.liveStats().listeners === 0);
    expect(stack.api.liveStats().channels).toBe(0);
    await waitUntil(async () => (await subscribers(run.id)) === 0);
  });
});
