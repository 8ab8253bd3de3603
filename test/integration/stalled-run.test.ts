import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedRunEvent } from '../../src/protocol/index.js';
import { stallAttempts } from '../../src/stalls/run-stall.js';
import { startTestStack, type TestStack } from '../support/test-stack.js';

const badDeploy = fileURLToPath(new URL('../fixtures/workflows/stalling-agent-run.ts', import.meta.url));

/** Waits for a condition, asking again every 200 ms; the test's own timeout bounds it. */
async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('a run whose workflow tasks keep failing (real Temporal, real Redis)', () => {
  let stack: TestStack;
  const lines: string[] = [];
  beforeAll(async () => {
    // A bad deploy: the worker runs a version of agentRun that throws, or schedules a step over the payload limit.
    const bundle = await bundleWorkflowCode({ workflowsPath: badDeploy, logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } });
    stack = await startTestStack('stalls', { worker: { workflowBundle: bundle }, stallCheckIntervalMs: 300, log: (line) => lines.push(line) });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  /** The run's events up to the first of `type`. */
  const eventsUntil = async (runId: string, type: ParsedRunEvent['type']): Promise<ParsedRunEvent[]> => {
    const events: ParsedRunEvent[] = [];
    for await (const { event } of stack.client.subscribe(runId)) {
      events.push(event);
      if (event.type === type) break;
    }
    return events;
  };
  const attemptsOf = async (runId: string) => (await stack.temporal.workflow.getHandle(runId).describe()).raw.pendingWorkflowTask?.attempt ?? 0;

  it('shows the stall in the API and to viewers, and logs it once', async () => {
    const { id } = await stack.client.enqueue({ input: 'hello', instructions: 'stall:bug' });
    try {
      const events = await eventsUntil(id, 'run.stalled');
      const stalled = events.at(-1);
      expect(stalled).toMatchObject({ type: 'run.stalled', runId: id, reason: expect.stringContaining('bad deploy') });
      if (stalled?.type !== 'run.stalled') throw new Error('unreachable');
      expect(stalled.attempts).toBeGreaterThanOrEqual(stallAttempts);
      expect(Number.isNaN(Date.parse(stalled.since))).toBe(false);

      const view = await stack.client.get(id);
      expect(view.status).toBe('running');
      expect(view.stalled).toMatchObject({ reason: expect.stringContaining('bad deploy'), since: stalled.since });
      expect(view.stalled!.attempts).toBeGreaterThanOrEqual(stalled.attempts);
      const listed = (await stack.client.list()).find((run) => run.id === id);
      expect(listed?.stalled).toMatchObject({ reason: expect.stringContaining('bad deploy'), since: stalled.since });

      // Temporal keeps retrying the task; the worker's log still has one line for the run.
      await until(async () => ((await attemptsOf(id)) >= stalled.attempts + 2 ? true : undefined));
      expect(lines.filter((line) => line.includes(id))).toEqual([expect.stringMatching(new RegExp(`run ${id} stalled: .*bad deploy`))]);
    } finally {
      await stack.temporal.workflow.getHandle(id).terminate('test over');
    }
  }, 120_000);

  it('fails a run whose payload slipped past the workflow\'s own check with a typed error', async () => {
    const { id } = await stack.client.enqueue({ input: 'hello', instructions: 'stall:payload' });
    const events = await eventsUntil(id, 'run.failed');
    expect(events.map((event) => event.type)).toEqual(['run.started', 'run.stalled', 'run.failed']);
    expect(events.at(-1)).toMatchObject({ type: 'run.failed', error: { type: 'PayloadTooLargeError', retryable: false } });

    const view = await until(async () => {
      const current = await stack.client.get(id);
      return current.status === 'failed' ? current : undefined;
    });
    expect(view.error).toMatchObject({ type: 'PayloadTooLargeError', message: expect.stringContaining('payload limit'), retryable: false });
    expect(view.stalled).toBeUndefined();
    // History keeps every step that completed before the oversized one.
    const history = await stack.temporal.workflow.getHandle(id).fetchHistory();
    expect(history.events?.some((event) => event.activityTaskCompletedEventAttributes)).toBe(true);
    expect(history.events?.at(-1)?.workflowExecutionTerminatedEventAttributes?.reason).toMatch(/^PayloadTooLargeError: /);
  }, 120_000);
});
