import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashSlot } from '../../src/bus/live-transport.js';
import { RunLog } from '../../src/bus/run-log.js';
import type { LoggedEvent, ParsedRunEvent } from '../../src/protocol/index.js';
import { connectRedis, redisTarget } from '../../src/redis.js';
import { runSlotKey } from '../../src/runs/run-slots.js';
import type { RedisCluster } from '../../src/services/redis-cluster.js';
import type { AgentRunInput } from '../../workflows/run-input.js';
import { turnRunId } from '../../workflows/thread-ids.js';
import { startTestCluster } from '../support/redis-cluster.js';
import { readSse } from '../support/sse-reader.js';
import { collect, expectStrictlyIncreasing, rebuildStepTexts } from '../support/transcript-replay.js';
import { registerScript, runResultOf, startTestStack, testApiKey, type TestStack } from '../support/test-stack.js';

/**
 * The streaming and crash cases of the integration suite (sse-resume,
 * sse-fanout, crash-resume) against a real three-master Redis Cluster with a
 * replica per master, and a failover of the master holding a run's slot
 * while the run streams.
 */
describe('Redis Cluster: hash slots, sharded pub/sub, failover', () => {
  let cluster: RedisCluster;
  let stack: TestStack;
  let redis: Cluster;
  let log: RunLog;
  const auth = { authorization: `Bearer ${testApiKey}` };

  beforeAll(async () => {
    cluster = await startTestCluster('streaming', { replicasPerMaster: 1 });
    stack = await startTestStack('cluster', { env: { REDIS_URL: cluster.url }, worker: { checkpoint: { intervalChars: 16 } } });
    redis = connectRedis(cluster.url, 'commands') as Cluster;
    if (redis.status !== 'ready') await once(redis, 'ready');
    log = new RunLog(redis, { keyPrefix: stack.env.RUNSTREAM_KEY_PREFIX });
  });
  afterAll(async () => {
    redis?.disconnect();
    await stack?.stop();
    await cluster?.stop();
  });

  const slotOf = async (key: string) => Number(await redis.call('CLUSTER', 'KEYSLOT', key));

  it('REDIS_URL names a cluster by its seed nodes; the factory answers a Cluster', () => {
    expect(redisTarget('redis+cluster://10.0.0.1:6379,10.0.0.2:6380')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 6379 },
        { host: '10.0.0.2', port: 6380 },
      ],
      tls: false,
      username: undefined,
      password: undefined,
    });
    expect(redisTarget('rediss://user:s%40cret@ignored:1', 'a:1,b:2')).toMatchObject({ kind: 'cluster', tls: true, username: 'user', password: 's@cret', nodes: [{ host: 'a', port: 1 }, { host: 'b', port: 2 }] });
    expect(redisTarget('redis://127.0.0.1:6379')).toEqual({ kind: 'single', url: 'redis://127.0.0.1:6379' });
    expect(() => redisTarget('redis+cluster://nohost')).toThrow(/REDIS_URL must list host:port pairs/);
    expect(redis).toBeInstanceOf(Cluster);
  });

  it("every key and channel of a run is in the run's slot; a thread's turns in the thread's slot", async () => {
    const runId = `run_${randomBytes(13).toString('hex')}`;
    const keys = [log.logKey(runId), log.cursorKey(runId), log.gapKey(runId), log.channel(runId), runSlotKey(stack.env.RUNSTREAM_KEY_PREFIX, runId)];
    const slots = await Promise.all(keys.map(slotOf));
    expect(new Set(slots).size).toBe(1);
    // The fan-out computes channel slots itself: it must agree with Redis.
    for (const key of keys) expect(hashSlot(key)).toBe(await slotOf(key));
    expect(hashSlot('no-tag-at-all')).toBe(await slotOf('no-tag-at-all'));
    expect(hashSlot('empty{}tag')).toBe(await slotOf('empty{}tag'));
    const threadId = `thr_${randomBytes(13).toString('hex')}`;
    const turn = turnRunId(threadId, 2);
    const threadKeys = [log.logKey(threadId), log.channel(threadId), log.logKey(turn), log.cursorKey(turn), log.gapKey(turn), log.channel(turn)];
    expect(new Set(await Promise.all(threadKeys.map(slotOf))).size).toBe(1);
  });

  it('sse-resume on a cluster: the stream is the whole log, and Last-Event-ID at every position yields exactly the rest', async () => {
    const model = await registerScript({
      turns: [
        { reasoning: 'Use the calculator.', text: 'Let me compute.', toolCalls: [{ name: 'calculator', arguments: { expression: '6*7' } }] },
        { text: 'The answer is 42, as computed by the calculator tool.' },
      ],
    });
    const runId = (await stack.client.enqueue({ input: 'What is 6*7?', model: `openai:${model}` })).id;
    const recorded = await collect(stack.client.subscribe(runId));
    expect(recorded.at(-1)?.event.type).toBe('run.completed');
    expect((await log.read(runId, undefined, 10_000)).map((entry) => entry.id)).toEqual(recorded.map((entry) => entry.id));
    const whole = await readSse(`${stack.api.url}/v1/runs/${runId}/events`, auth);
    expect(whole.messages.map((message) => message.id)).toEqual(recorded.map((entry) => entry.id));
    for (const [index, entry] of recorded.entries()) {
      const rest = await readSse(`${stack.api.url}/v1/runs/${runId}/events`, { ...auth, 'last-event-id': entry.id });
      expect(rest.messages.map((message) => message.id), `after #${index}`).toEqual(recorded.slice(index + 1).map((later) => later.id));
    }
  });

  it('sse-fanout on a cluster: 50 viewers share one SSUBSCRIBE on the run’s shard and each get the whole stream', async () => {
    const answer = Array.from({ length: 150 }, (_, index) => `token${index}`).join(' ');
    const model = await registerScript({ turns: [{ text: answer, delayMs: 15 }] });
    const run = await stack.client.enqueue({ input: 'fan out', model: `openai:${model}`, tools: [] });
    const viewers = Array.from({ length: 50 }, () => collect(stack.client.subscribe(run.id)));
    await vi.waitFor(() => expect(stack.api.liveStats().listeners).toBe(50), { timeout: 30_000 });
    // One channel; at most one connection per shard (three masters); one sharded subscription on the master of the run's slot.
    expect(stack.api.liveStats()).toMatchObject({ channels: 1, listeners: 50 });
    expect(stack.api.liveStats().connections).toBeLessThanOrEqual(3);
    const master = await cluster.masterOf(hashSlot(log.channel(run.id)));
    const onMaster = new Redis(`redis://${master.address}`);
    try {
      const [, count] = (await onMaster.call('PUBSUB', 'SHARDNUMSUB', log.channel(run.id))) as [string, number];
      expect(Number(count)).toBe(1);
    } finally {
      onMaster.disconnect();
    }
    const received = await Promise.all(viewers);
    const logged = (await log.read(run.id, undefined, 10_000)).map((entry) => entry.id);
    for (const events of received) {
      expect(events.map((entry) => entry.id)).toEqual(logged);
      expect(rebuildStepTexts(events.map((entry) => entry.event)).get(1)).toBe(answer);
    }
    await vi.waitFor(() => expect(stack.api.liveStats().channels).toBe(0));
  });

  it('crash-resume on a cluster: a step cut mid-stream resumes from its checkpoint, fenced, without a repeated or missing character', async () => {
    const text = Array.from({ length: 120 }, (_, index) => `naïve${index}`).join(' ');
    const model = await registerScript({ turns: [{ text, chunkSize: 4, delayMs: 5 }], failures: [{ status: 500, message: 'cut', cutAfterChunks: 60 }] });
    const runId = `run_${randomBytes(13).toString('hex')}`;
    const input: AgentRunInput = { model: `openai:${model}`, messages: [{ role: 'user', content: 'go' }], tools: [], maxSteps: 2, durability: { retryInitialIntervalMs: 100 } };
    const handle = await stack.temporal.workflow.start('agentRun', { workflowId: runId, taskQueue: stack.env.RUNSTREAM_TASK_QUEUE, args: [input] });
    const events: ParsedRunEvent[] = [];
    const viewer = collect(stack.client.subscribe(runId), ({ event }) => events.push(event));
    const result = await runResultOf(handle);
    await viewer;
    expect(result.output).toBe(text);
    expect(events.find((event) => event.type === 'step.resumed')).toMatchObject({ attempt: 2 });
    expect(rebuildStepTexts(events).get(1)).toBe(text);
  });

  it("a failover of the master holding a run's slot while it streams: the viewer gets every event exactly once", async () => {
    const answer = Array.from({ length: 400 }, (_, index) => `word${index}`).join(' ');
    // About ten seconds of stream: a failover, and every node agreeing on it, takes a few under load.
    const model = await registerScript({ turns: [{ text: answer, delayMs: 25 }] });
    const run = await stack.client.enqueue({ input: 'stream through a failover', model: `openai:${model}`, tools: [] });
    const slot = hashSlot(log.channel(run.id));
    let deltas = 0;
    const viewer = collect(stack.client.subscribe(run.id), ({ event }) => {
      if (event.type === 'text.delta') deltas++;
    });
    await vi.waitFor(() => expect(deltas).toBeGreaterThan(20), { timeout: 30_000 });
    const { from, to } = await cluster.failover(slot);
    expect(to.port).not.toBe(from.port);
    const atFailover = deltas;
    const seen = await viewer;
    expect(atFailover).toBeLessThan(400); // the failover happened mid-stream
    expect(seen.at(-1)?.event.type).toBe('run.completed');
    expect(expectStrictlyIncreasing(seen)).toBe(true);
    expect(new Set(seen.map((entry) => entry.id)).size).toBe(seen.length);
    expect(rebuildStepTexts(seen.map((entry) => entry.event)).get(1)).toBe(answer);
    // Exactly the log, which the new master holds whole; a viewer arriving now reads the same.
    const logged = (await log.read(run.id, undefined, 10_000)).map((entry) => entry.id);
    expect(seen.map((entry) => entry.id)).toEqual(logged);
    const late: LoggedEvent[] = await collect(stack.client.subscribe(run.id));
    expect(late.map((entry) => entry.id)).toEqual(logged);
  });
});
