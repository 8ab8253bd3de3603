import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createClient } from '../../src/client/index.js';
import type { LoggedEvent } from '../../src/protocol/index.js';
import { startTopology, type Topology } from '../../src/services/topology.js';
import { ensureBinaries } from '../../src/services/setup.js';
import { childEnv } from '../support/cli-process.js';
import { readSse } from '../support/sse-reader.js';
import { collect, expectStrictlyIncreasing, rebuildStepTexts } from '../support/transcript-replay.js';
import { registerScript, testApiKey, testEnv } from '../support/test-stack.js';

const words = (count: number, stem: string) => Array.from({ length: count }, (_, index) => `${stem}${index}`).join(' ');

/** Characters of `answer` a viewer's step-1 deltas never covered, and covered more than once. */
function coverage(events: LoggedEvent[], answer: string): { lost: number; duplicated: number } {
  const times = new Uint16Array(answer.length);
  for (const { event } of events) {
    if (event.type !== 'text.delta' || event.step !== 1) continue;
    for (let at = event.offset; at < event.offset + event.text.length && at < answer.length; at++) times[at]!++;
  }
  return { lost: times.filter((count) => count === 0).length, duplicated: times.reduce((sum, count) => sum + Math.max(0, count - 1), 0) };
}

/**
 * The production topology as real processes (scripts/topology.ts): two API
 * processes and three workers (`runstream api` / `runstream worker`) against
 * a three-master Redis Cluster and the suite's Temporal; then API 1 and two
 * workers are SIGKILLed while viewers stream.
 */
describe('many processes: 2 APIs and 3 workers on a Redis Cluster', () => {
  let topology: Topology;
  const figures: Record<string, unknown> = {};
  const client = (index: number) => createClient({ url: topology.apis[index]!.url!, apiKey: testApiKey, reconnectDelayMs: 100 });

  beforeAll(async () => {
    const binary = ensureBinaries({ temporal: false, redis: true }).redis;
    topology = await startTopology({
      dir: mkdtempSync(join(tmpdir(), 'runstream-topology-test-')),
      temporalAddress: inject('temporalAddress'),
      apis: 2,
      workers: 3,
      ...(binary ? { redisBinary: binary } : {}),
      // The model continues a partial message (prefill), so a killed worker's step carries on from the log, not from 0.
      env: childEnv(testEnv('many', { OPENAI_CONTINUE_FINAL_MESSAGE: 'true' })),
    });
    // Three workers bundle the workflow code at once: minutes on a loaded two-core machine. A timed-out hook would leave the children behind.
  }, 300_000);
  afterAll(async () => {
    console.log(`many-process chaos figures: ${JSON.stringify(figures)}`);
    await topology?.stop();
  });

  it('viewers on API 2 see a run enqueued on API 1, the same log as API 1 serves', async () => {
    const answer = words(60, 'shared');
    const model = await registerScript({ turns: [{ text: answer, delayMs: 5 }] });
    const run = await client(0).enqueue({ input: 'across processes', model: `openai:${model}`, tools: [] });
    const onApi2 = await collect(client(1).subscribe(run.id));
    expect(onApi2.at(-1)?.event.type).toBe('run.completed');
    expect(rebuildStepTexts(onApi2.map((entry) => entry.event)).get(1)).toBe(answer);
    const onApi1 = await readSse(`${topology.apis[0]!.url}/v1/runs/${run.id}/events`, { authorization: `Bearer ${testApiKey}` });
    expect(onApi1.messages.map((message) => message.id)).toEqual(onApi2.map((entry) => entry.id));
  });

  it('API 1 SIGKILLed while 5 viewers stream: they resume on API 2 with Last-Event-ID and get exactly the rest', async () => {
    const answer = words(300, 'relay');
    const model = await registerScript({ turns: [{ text: answer, delayMs: 15 }] });
    const run = await client(1).enqueue({ input: 'kill the API', model: `openai:${model}`, tools: [] });
    let killedAt = 0;
    const received = [0, 0, 0, 0, 0];
    const viewers = received.map(async (_, viewer) => {
      const events: LoggedEvent[] = [];
      const broken = new AbortController();
      // On API 1 until its stream breaks (the client's first reconnect attempt), then on API 2 from the last id.
      for await (const entry of client(0).subscribe(run.id, { signal: broken.signal, onReconnect: () => broken.abort() })) {
        events.push(entry);
        received[viewer]!++;
      }
      const lastOnApi1 = events.at(-1)?.id;
      let resumedAfterMs: number | undefined;
      if (events.at(-1)?.event.type !== 'run.completed') {
        for await (const entry of client(1).subscribe(run.id, lastOnApi1 ? { after: lastOnApi1 } : {})) {
          resumedAfterMs ??= Date.now() - killedAt;
          events.push(entry);
        }
      }
      return { events, onApi1: events.findIndex((entry) => entry.id === lastOnApi1) + 1, resumedAfterMs };
    });
    // Every viewer has part of the stream from API 1 when it dies.
    await vi.waitFor(() => expect(Math.min(...received)).toBeGreaterThan(30), { timeout: 30_000, interval: 20 });
    killedAt = Date.now();
    await topology.apis[0]!.stop('SIGKILL');
    const results = await Promise.all(viewers);
    const logged = (await readSse(`${topology.apis[1]!.url}/v1/runs/${run.id}/events`, { authorization: `Bearer ${testApiKey}` })).messages.map((message) => message.id);
    for (const { events } of results) {
      expect(events.map((entry) => entry.id)).toEqual(logged);
      expect(expectStrictlyIncreasing(events)).toBe(true);
      expect(rebuildStepTexts(events.map((entry) => entry.event)).get(1)).toBe(answer);
    }
    const resumed = results.filter((result) => result.resumedAfterMs !== undefined);
    expect(resumed.length).toBeGreaterThan(0); // the kill landed mid-stream
    figures.apiKill = {
      viewers: results.length,
      resumedOnApi2: resumed.length,
      eventsOnApi1: results.map((result) => result.onApi1),
      events: logged.length,
      charsLost: Math.max(...results.map((result) => coverage(result.events, answer).lost)),
      charsDuplicated: Math.max(...results.map((result) => coverage(result.events, answer).duplicated)),
      resumeMs: resumed.map((result) => result.resumedAfterMs),
    };
  });

  it('workers SIGKILLed in turn while 3 runs stream: every run finishes with its exact transcript, every viewer with exactly its text', async () => {
    const api = client(1);
    const answers = [words(150, 'alpha'), words(150, 'beta'), words(150, 'gamma')];
    const runs = await Promise.all(
      answers.map(async (answer) => {
        const model = await registerScript({ turns: [{ text: answer, delayMs: 25 }] });
        return api.enqueue({ input: 'kill the workers', model: `openai:${model}`, tools: [], durability: { heartbeatTimeoutMs: 2_000, retryInitialIntervalMs: 100 } });
      }),
    );
    const deltas = runs.map(() => 0);
    const viewers = runs.map((run, index) =>
      collect(api.subscribe(run.id), ({ event }) => {
        if (event.type === 'text.delta') deltas[index]!++;
      }),
    );
    const startedAt = Date.now();
    const progressed = (count: number) => vi.waitFor(() => expect(Math.min(...deltas)).toBeGreaterThanOrEqual(count), { timeout: 60_000, interval: 20 });
    await progressed(15);
    await topology.workers[0]!.stop('SIGKILL');
    const firstKill = [...deltas];
    await vi.waitFor(() => expect(deltas.every((count, index) => count >= firstKill[index]! + 15 || count >= 150)).toBe(true), { timeout: 60_000, interval: 20 });
    await topology.workers[1]!.stop('SIGKILL');
    const seen = await Promise.all(viewers);
    for (const [index, run] of runs.entries()) {
      const result = await api.result(run.id);
      expect(result.output).toBe(answers[index]);
      const events = seen[index]!;
      expect(events.at(-1)?.event.type).toBe('run.completed');
      expect(expectStrictlyIncreasing(events)).toBe(true);
      expect(rebuildStepTexts(events.map((entry) => entry.event)).get(1)).toBe(answers[index]);
    }
    figures.workerKills = {
      runs: runs.length,
      stepsResumed: seen.map((events) => events.filter((entry) => entry.event.type === 'step.resumed').length),
      // Deltas a resumed step sent again (a step resumed from all the text its log holds sends none); step.resumed
      // tells viewers to roll back, and the rebuilt text is exact.
      charsRestreamed: seen.map((events, index) => coverage(events, answers[index]!).duplicated),
      charsLost: Math.max(...seen.map((events, index) => coverage(events, answers[index]!).lost)),
      allDoneMs: Date.now() - startedAt,
    };
  });
});
