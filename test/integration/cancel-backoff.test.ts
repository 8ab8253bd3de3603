import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ParsedRunEvent } from '../../src/protocol/index.js';
import { progressQuery } from '../../workflows/definitions.js';
import type { AgentRunInput } from '../../workflows/run-input.js';
import { rebuildStepTexts } from '../support/transcript-replay.js';
import { registerScript, startTestStack, transcriptOf, type TestStack } from '../support/test-stack.js';

const text = Array.from({ length: 200 }, (_, index) => `café${index}`).join(' ');

/**
 * DESIGN invariant 4 when no attempt is running: a model step cut mid-stream
 * waits out its retry backoff when the run is cancelled. The transcript still
 * keeps what the failed attempt said, as shown to viewers, marked interrupted.
 */
describe('cancel while a model step waits between retries', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('cancel-backoff', { worker: { checkpoint: { intervalChars: 16 } } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("keeps the failed attempt's partial message in the transcript and in run.cancelled", async () => {
    const model = await registerScript({ turns: [{ text, chunkSize: 5, delayMs: 5 }], failures: [{ status: 500, message: 'cut', cutAfterChunks: 50 }] });
    const runId = `run_${randomBytes(13).toString('hex')}`;
    // A retry a minute away: the cancel certainly lands while no attempt runs.
    const input: AgentRunInput = { model: `openai:${model}`, messages: [{ role: 'user', content: 'go' }], tools: [], maxSteps: 2, durability: { retryInitialIntervalMs: 60_000 } };
    const handle = await stack.temporal.workflow.start('agentRun', { workflowId: runId, taskQueue: stack.env.RUNSTREAM_TASK_QUEUE, args: [input] });
    const events: ParsedRunEvent[] = [];
    const viewer = (async () => {
      for await (const { event } of stack.client.subscribe(runId)) events.push(event);
    })();
    // The first attempt failed (cut) and the second waits for its backoff.
    await vi.waitFor(
      async () => {
        const pending = (await handle.describe()).raw.pendingActivities ?? [];
        expect(pending[0]?.attempt).toBe(2);
        expect(pending[0]?.lastFailure).toBeTruthy();
      },
      { timeout: 20_000, interval: 50 },
    );
    await stack.client.cancel(runId);
    await viewer;
    await handle.result().catch(() => undefined);

    const last = events.at(-1);
    expect(last?.type).toBe('run.cancelled');
    const partial = last?.type === 'run.cancelled' ? last.partial : '';
    expect(partial.length).toBeGreaterThan(0);
    expect(text.startsWith(partial)).toBe(true);
    // What viewers were shown of the step is what the transcript keeps.
    expect(rebuildStepTexts(events).get(1)).toBe(partial);
    expect((await handle.query(progressQuery)).phase).toBe('cancelled');
    expect((await transcriptOf(handle)).at(-1)).toEqual({ role: 'assistant', content: partial, interrupted: true });
  });
});
