import { randomBytes } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import type { StepCheckpoint } from '../../activities/checkpoint.js';
import { createModelStep, type ModelStepInput } from '../../activities/model-step.js';
import { StaleAttemptError } from '../../src/bus/attempt-fence.js';
import { parseLiveMessage, RunLog } from '../../src/bus/run-log.js';
import { RunPublisher } from '../../src/bus/run-publisher.js';
import type { ServedRequest } from '../../src/demo/llm-server.js';
import type { ParsedRunEvent } from '../../src/protocol/index.js';
import type { StepOutput } from '../../src/protocol/messages.js';
import { createModelResolver } from '../../src/models.js';
import { ToolRegistry } from '../../src/tools/tool-registry.js';
import { rebuildStepTexts } from '../support/transcript-replay.js';
import { registerScript, testEnv, testTranscripts } from '../support/test-stack.js';

/**
 * DESIGN invariants 2 and 3 with a stale attempt still alive: once attempt N
 * of an activity execution appended to the run's log, nothing of an earlier
 * attempt is appended or published, and the earlier attempt stops.
 */
describe('attempt fencing on a real redis-server', () => {
  const commands = new Redis(inject('redisUrl'));
  const subscriber = new Redis(inject('redisUrl'));
  const log = new RunLog(commands, { keyPrefix: `test:fence:${randomBytes(4).toString('hex')}:`, ttlSeconds: 120 });
  afterAll(() => {
    commands.disconnect();
    subscriber.disconnect();
  });

  const fencedPublisher = (runId: string, attempt: number) =>
    new RunPublisher(log, runId, { producer: `wf-run:7:${attempt}`, fence: { execution: 'wf-run:7', attempt } });

  it("refuses a superseded attempt's appends: they reach neither the log nor pub/sub, and its publisher stops", async () => {
    const runId = `run_fence${randomBytes(5).toString('hex')}`;
    const published: string[] = [];
    await subscriber.subscribe(log.channel(runId));
    subscriber.on('message', (_channel, message: string) => published.push(...parseLiveMessage(message).map((entry) => entry.id)));

    const first = fencedPublisher(runId, 1);
    first.publish({ type: 'step.started', step: 1 });
    first.publish({ type: 'text.delta', step: 1, offset: 0, text: 'Hello' });
    await first.flush();
    expect(first.superseded.aborted).toBe(false);

    const second = fencedPublisher(runId, 2);
    second.publish({ type: 'step.resumed', step: 1, offset: 5, attempt: 2 });
    await second.flush();

    // The stale attempt goes on talking: refused, and its publisher gives up at once instead of retrying.
    first.publish({ type: 'text.delta', step: 1, offset: 5, text: ' from a stale attempt' });
    first.publish({ type: 'text.delta', step: 1, offset: 26, text: ' that keeps going' });
    await first.flush();
    expect(first.superseded.aborted).toBe(true);
    expect(first.superseded.reason).toBeInstanceOf(StaleAttemptError);
    expect(first.superseded.reason).toMatchObject({ supersededBy: 2, fence: { attempt: 1 } });
    expect(first.pending).toBe(0);
    first.publish({ type: 'text.delta', step: 1, offset: 43, text: ' and on' });
    expect(first.pending).toBe(0);
    first.close();
    // Refused events are void, not lost: no gap marker sends viewers to a snapshot.
    expect(first.lostEvents).toBe(false);
    expect(await commands.exists(log.gapKey(runId))).toBe(0);

    second.publish({ type: 'text.delta', step: 1, offset: 5, text: ', world' });
    second.publish({ type: 'run.cancelled', partial: 'Hello, world' });
    await second.flush();
    // Pub/sub of one connection is ordered: once the last entry arrived, everything published before it did too.
    const entries = await log.read(runId, undefined);
    // Pub/sub delivers on its own schedule: wait for the last entry's message, however loaded the machine.
    await vi.waitFor(() => expect(published.at(-1)).toBe(entries.at(-1)?.id), { timeout: 20_000, interval: 20 });
    await subscriber.unsubscribe(log.channel(runId));

    expect(entries.map((entry) => entry.event.type)).toEqual(['step.started', 'text.delta', 'step.resumed', 'text.delta', 'run.cancelled']);
    expect(published).toEqual(entries.map((entry) => entry.id));
    expect(rebuildStepTexts(entries.map((entry) => entry.event)).get(1)).toBe('Hello, world');
  });

  it('keeps the entries of a batch appended before the fence rose, and a re-sent one answers its id', async () => {
    const runId = `run_fence${randomBytes(5).toString('hex')}`;
    const entry = (seq: number, attempt: number) => ({
      producer: `wf-run:7:${attempt}`,
      seq,
      fence: { execution: 'wf-run:7', attempt },
      event: { type: 'text.delta', step: 1, offset: seq, text: 'x', runId, at: new Date().toISOString() } as const,
    });
    const [kept] = await log.append(runId, [entry(0, 1)]);
    await log.append(runId, [entry(0, 2)]);
    // Re-sending what went in before the fence answers its id; anything new from attempt 1 is refused.
    await expect(log.append(runId, [entry(0, 1)])).resolves.toEqual([kept]);
    const refused = await log.append(runId, [entry(1, 1), entry(2, 1)]).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StaleAttemptError);
    expect(refused).toMatchObject({ appendedIds: [], supersededBy: 2 });
    expect(await log.read(runId, undefined)).toHaveLength(2);
    // Unfenced producers (run lifecycle events) are not affected.
    await log.append(runId, [{ producer: 'wf-run:7', seq: 0, event: { type: 'run.cancelled', partial: '', runId, at: new Date().toISOString() } }]);
    expect(await log.read(runId, undefined)).toHaveLength(3);
  });

  it('a real stale model-step attempt, still streaming after its successor resumed, is cut off and aborts its stream', async () => {
    const text = Array.from({ length: 300 }, (_, index) => `wörd${index}`).join(' ');
    // Slow enough that attempt 1 is still streaming, seconds from its end, when attempt 2 starts.
    const model = await registerScript({ turns: [{ text, chunkSize: 6, delayMs: 10 }] });
    const env = testEnv('fence', { OPENAI_CONTINUE_FINAL_MESSAGE: 'true' });
    const modelStep = createModelStep({
      log,
      tools: new ToolRegistry([]),
      transcripts: testTranscripts(),
      resolveModel: createModelResolver({ env, demoBaseURL: async () => inject('llmUrl') }),
      checkpoint: { intervalChars: 32 },
    });
    const runId = `run_fence${randomBytes(5).toString('hex')}`;
    const input: ModelStepInput = { runId, step: 1, model: `openai:${model}`, messages: [{ role: 'user', content: 'talk' }], tools: [] };
    const execution = { workflowExecution: { workflowId: runId, runId: randomBytes(8).toString('hex') }, activityId: '1' };

    // Attempt 1 never hears from Temporal (nothing cancels it): it is a stale attempt once attempt 2 runs.
    const first = new MockActivityEnvironment({ ...execution, attempt: 1 });
    let checkpoint: StepCheckpoint | undefined;
    first.on('heartbeat', (details: StepCheckpoint | undefined) => {
      if (details !== undefined && details.loggedLength >= 60) checkpoint ??= details;
    });
    const stale = first.run<[ModelStepInput], StepOutput, typeof modelStep>(modelStep, input).catch((error: unknown) => error);
    await vi.waitFor(() => expect(checkpoint).toBeDefined(), { timeout: 20_000, interval: 10 });

    const second = new MockActivityEnvironment({ ...execution, attempt: 2, heartbeatDetails: checkpoint });
    const output = await second.run<[ModelStepInput], StepOutput, typeof modelStep>(modelStep, input);
    expect(output.message.content).toBe(text);

    const failure = await stale;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'StaleAttempt' });
    const served = async () => ((await (await fetch(`${inject('llmUrl')}/__requests`)).json()) as ServedRequest[]).filter((request) => request.model === model);
    await vi.waitFor(async () => expect((await served())[0]).toMatchObject({ aborted: true, completed: false }), { timeout: 20_000 });

    // After `step.resumed`, the log holds only attempt 2's deltas: contiguous offsets, and viewers end with its text.
    const events: ParsedRunEvent[] = (await log.read(runId, undefined, 100_000)).map((entry) => entry.event);
    const resumedAt = events.findIndex((event) => event.type === 'step.resumed');
    const resumed = events[resumedAt];
    expect(resumed).toMatchObject({ attempt: 2 });
    // Attempt 2 carried on from the text the log held when it read it: at least what the checkpoint vouched for, at
    // most what the stale attempt had appended before attempt 2's first entry fenced it off (viewers roll back to it).
    const resumedOffset = resumed?.type === 'step.resumed' ? resumed.offset : -1;
    expect(resumedOffset).toBeGreaterThanOrEqual(checkpoint!.loggedLength);
    expect(resumedOffset).toBeLessThanOrEqual(rebuildStepTexts(events.slice(0, resumedAt)).get(1)?.length ?? 0);
    let offset = resumedOffset;
    for (const event of events.slice(resumedAt + 1)) {
      if (event.type !== 'text.delta') continue;
      expect(event.offset).toBe(offset);
      offset += event.text.length;
    }
    expect(offset).toBe(text.length);
    expect(events.at(-1)?.type).toBe('step.finished');
    expect(rebuildStepTexts(events).get(1)).toBe(text);
  });
});
