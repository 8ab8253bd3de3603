import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { StepCheckpoint } from '../../activities/checkpoint.js';
import type { ServedRequest } from '../../src/demo/llm-server.js';
import type { ParsedRunEvent } from '../../src/protocol/index.js';
import { freePort } from '../../src/services/free-port.js';
import { startRedisServer, type LocalService } from '../../src/services/local-services.js';
import { ChildWorker } from '../chaos/child-worker.js';
import { rebuildStepTexts } from '../support/transcript-replay.js';
import { registerScript, runResultOf, childWorkerEnv, startTestStack, transcriptOf, type TestStack } from '../support/test-stack.js';

const words = (count: number, prefix: string) => Array.from({ length: count }, (_, index) => `${prefix}${index}`).join(' ');
const durability = { heartbeatTimeoutMs: 2_000, retryInitialIntervalMs: 100 };

/** The model step's checkpoint as the Temporal server holds it (the pending activity's heartbeat details). */
async function pendingCheckpoint(stack: TestStack, runId: string): Promise<StepCheckpoint | undefined> {
  const description = await stack.temporal.workflow.getHandle(runId).describe();
  const payload = description.raw.pendingActivities?.find((activity) => activity.heartbeatDetails?.payloads?.length)?.heartbeatDetails?.payloads?.[0];
  return payload ? defaultPayloadConverter.fromPayload<StepCheckpoint>(payload as Payload) : undefined;
}

async function waitForCheckpoint(stack: TestStack, runId: string, accept: (checkpoint: StepCheckpoint) => boolean): Promise<StepCheckpoint> {
  let found: StepCheckpoint | undefined;
  await vi.waitFor(
    async () => {
      const checkpoint = await pendingCheckpoint(stack, runId);
      expect(checkpoint && accept(checkpoint)).toBe(true);
      found = checkpoint;
    },
    { timeout: 30_000, interval: 50 },
  );
  return found!;
}

const requestsOf = async (model: string) =>
  ((await (await fetch(`${inject('llmUrl')}/__requests`)).json()) as ServedRequest[]).filter((request) => request.model === model);

/** A checkpoint by reference: offsets and a log id, no text (at most the short tail the log had not confirmed). */
const byReference = (checkpoint: StepCheckpoint, atLeast: number) =>
  checkpoint.text === undefined && checkpoint.loggedLength >= atLeast && (checkpoint.tail ?? '').length < checkpoint.loggedLength;

function workerEnv(stack: TestStack, redisUrl = stack.env.REDIS_URL): Record<string, string> {
  return childWorkerEnv(stack, { REDIS_URL: redisUrl, OPENAI_CONTINUE_FINAL_MESSAGE: 'true' });
}

describe('checkpoints by reference, worker SIGKILLed mid-step (suite Redis)', () => {
  let stack: TestStack;
  const workers: ChildWorker[] = [];
  const startWorker = async () => {
    const worker = new ChildWorker(workerEnv(stack));
    workers.push(worker);
    await worker.start();
    return worker;
  };
  beforeAll(async () => {
    stack = await startTestStack('checkpoint-ref', { deferWorker: true });
  });
  afterAll(async () => {
    for (const worker of workers) await worker.stop();
    await stack?.stop();
  });

  it('heartbeats offsets while the log is healthy; the next worker carries on exactly from all the text the log holds', async () => {
    const text = words(700, 'wörd');
    const model = await registerScript({ turns: [{ text, chunkSize: 6, delayMs: 8 }] });
    const first = await startWorker();
    const run = await stack.client.enqueue({ input: 'talk', model: `openai:${model}`, tools: [], durability });
    const events: ParsedRunEvent[] = [];
    const viewer = (async () => {
      for await (const { event } of stack.client.subscribe(run.id)) events.push(event);
    })();
    const checkpoint = await waitForCheckpoint(stack, run.id, (candidate) => byReference(candidate, 600));
    await first.kill();
    await startWorker();
    const result = await stack.client.result(run.id);
    await viewer;

    expect(result.output).toBe(text);
    // Viewers rolled back to the logged offset and got exactly the rest: nothing lost, nothing twice.
    expect(rebuildStepTexts(events).get(1)).toBe(text);
    const resumedAt = events.findIndex((event) => event.type === 'step.resumed');
    const resumed = events[resumedAt];
    const offset = resumed?.type === 'step.resumed' ? resumed.offset : 0;
    expect(offset).toBeGreaterThanOrEqual(checkpoint.loggedLength);
    // Not rolled back to the last checkpoint: everything the dead worker streamed into the log stays on screen.
    expect(offset).toBe(rebuildStepTexts(events.slice(0, resumedAt)).get(1)?.length);
    let next = offset;
    for (const event of events.slice(resumedAt + 1)) {
      if (event.type !== 'text.delta') continue;
      expect(event.offset).toBe(next);
      next += event.text.length;
    }
    expect(next).toBe(text.length);
    // Continued by prefill from the text the log held, not regenerated.
    const requests = await requestsOf(model);
    expect(requests).toHaveLength(2);
    expect(requests[1]!.prefill.length).toBeGreaterThanOrEqual(offset);
    expect(text.startsWith(requests[1]!.prefill)).toBe(true);
  });

  it('a step that dies on its last attempt keeps its partial text: the workflow reads it back from the log', async () => {
    const text = words(700, 'last');
    const model = await registerScript({ turns: [{ text, chunkSize: 6, delayMs: 8 }] });
    // Only the worker this test kills may take the step.
    for (const worker of workers) await worker.stop();
    const first = await startWorker();
    const run = await stack.client.enqueue({ input: 'talk', model: `openai:${model}`, tools: [], durability: { ...durability, modelStepMaxAttempts: 1 } });
    const checkpoint = await waitForCheckpoint(stack, run.id, (candidate) => byReference(candidate, 600));
    await first.kill();
    await startWorker();
    const handle = stack.temporal.workflow.getHandle(run.id);
    await expect(handle.result()).rejects.toThrow();
    const last = (await transcriptOf(handle)).at(-1);
    expect(last).toMatchObject({ role: 'assistant', interrupted: true });
    const partial = last?.role === 'assistant' ? last.content : '';
    // The last heartbeat's offsets (history's last_heartbeat_details) lead to the log: the partial message is all
    // the text the log holds of the step, as its viewers saw it, not only what the last checkpoint vouched for.
    expect(partial.length).toBeGreaterThanOrEqual(checkpoint.loggedLength);
    expect(text.startsWith(partial)).toBe(true);
    const events: ParsedRunEvent[] = [];
    for await (const { event } of stack.client.subscribe(run.id)) events.push(event);
    expect(partial).toBe(rebuildStepTexts(events).get(1));
  });
});

describe('Redis restarted without persistence between a checkpoint by reference and the crash', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'runstream-checkpoint-ref-'));
  let port: number;
  let redis: LocalService | undefined;
  let stack: TestStack;
  const workers: ChildWorker[] = [];
  const startRedis = async () => {
    // No data directory: no persistence, so a restart loses every log.
    redis = await startRedisServer({ port, logDir: join(scratch, 'logs') });
  };
  const startWorker = async () => {
    const worker = new ChildWorker(workerEnv(stack, `redis://127.0.0.1:${port}`));
    workers.push(worker);
    await worker.start();
    return worker;
  };
  beforeAll(async () => {
    port = await freePort();
    await startRedis();
    stack = await startTestStack('checkpoint-ref-lost', { deferWorker: true, env: { REDIS_URL: `redis://127.0.0.1:${port}` } });
  });
  afterAll(async () => {
    for (const worker of workers) await worker.stop();
    await stack?.stop();
    await redis?.stop();
  });

  it('the worker stops trusting the log and checkpoints the text itself; the next worker continues it exactly', async () => {
    // Long enough to still be streaming after a restart of redis-server on a loaded machine.
    const text = words(2_000, 'lost');
    const model = await registerScript({ turns: [{ text, chunkSize: 6, delayMs: 10 }] });
    const first = await startWorker();
    const run = await stack.client.enqueue({ input: 'talk', model: `openai:${model}`, tools: [], durability });
    const reference = await waitForCheckpoint(stack, run.id, (candidate) => byReference(candidate, 300));
    await redis?.stop();
    await startRedis();
    // The log lost this attempt's entries: the checkpoints that follow carry the whole text.
    const carried = await waitForCheckpoint(stack, run.id, (candidate) => candidate.text !== undefined && candidate.textLength > reference.textLength);
    expect(text.startsWith(carried.text!)).toBe(true);
    await first.kill();
    await startWorker();
    const result = await runResultOf(stack.temporal.workflow.getHandle(run.id));
    expect(result.output).toBe(text);
    // Continued from the checkpoint's text (the log no longer had it), not regenerated.
    const requests = await requestsOf(model);
    expect(requests).toHaveLength(2);
    expect(requests[1]!.prefill.length).toBeGreaterThanOrEqual(carried.textLength);
    expect(text.startsWith(requests[1]!.prefill)).toBe(true);
  });
});
