import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { z } from 'zod';
import type { LoggedEvent, ParsedRunEvent } from '../../src/protocol/index.js';
import type { ServedRequest } from '../../src/demo/llm-server.js';
import { defineTool } from '../../src/tools/tool.js';
import { progressQuery } from '../../workflows/definitions.js';
import { rebuildStepTexts } from '../support/transcript-replay.js';
import { registerScript, startTestStack, transcriptOf, type TestStack } from '../support/test-stack.js';

const order: string[] = [];
const waitForCancel = defineTool({
  name: 'wait_for_cancel',
  description: 'Runs until it is cancelled.',
  parameters: z.object({}),
  retry: 'idempotent',
  execute: async (_args, context) => {
    order.push('tool started');
    await new Promise((_resolve, reject) => {
      context.signal.addEventListener('abort', () => {
        order.push('tool aborted');
        reject(new Error('aborted'));
      });
    });
  },
});

/** The terminal event is published just before the workflow closes; status reads wait for the close. */
const closed = (stack: TestStack, runId: string) => stack.temporal.workflow.getHandle(runId).result().then(() => undefined, () => undefined);

const servedRequests = async (): Promise<ServedRequest[]> => (await (await fetch(`${inject('llmUrl')}/__requests`)).json()) as ServedRequest[];

describe('cancel (real Temporal, real Redis, local LLM server)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('cancel', { tools: [waitForCancel] });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('stops the provider stream, keeps the partial text (interrupted) and ends cancelled', async () => {
    const text = Array.from({ length: 600 }, (_, index) => `w${index}`).join(' ');
    const model = await registerScript({ turns: [{ text, chunkSize: 5, delayMs: 20 }] });
    const run = await stack.client.enqueue({ input: 'talk for a long time', model: `openai:${model}`, tools: [] });
    const events: ParsedRunEvent[] = [];
    let cancelAnswer: Promise<unknown> | undefined;
    for await (const { event } of stack.client.subscribe(run.id)) {
      events.push(event);
      if (!cancelAnswer && event.type === 'text.delta' && event.offset >= 100) cancelAnswer = stack.client.cancel(run.id);
    }
    expect(await cancelAnswer).toEqual({ id: run.id, status: 'cancelling' });

    const last = events.at(-1);
    expect(last?.type).toBe('run.cancelled');
    const partial = last?.type === 'run.cancelled' ? last.partial : '';
    expect(partial.length).toBeGreaterThanOrEqual(100);
    expect(partial.length).toBeLessThan(text.length);
    expect(text.startsWith(partial)).toBe(true);
    // What viewers were shown is exactly what the transcript keeps.
    expect(rebuildStepTexts(events).get(1)).toBe(partial);

    await closed(stack, run.id);
    expect((await stack.client.get(run.id)).status).toBe('cancelled');
    const handle = stack.temporal.workflow.getHandle(run.id);
    expect((await handle.query(progressQuery)).phase).toBe('cancelled');
    expect((await transcriptOf(handle)).at(-1)).toEqual({ role: 'assistant', content: partial, interrupted: true });
    // The provider's stream was closed by the client, long before the script's end.
    await vi.waitFor(async () => expect((await servedRequests()).find((request) => request.model === model)).toMatchObject({ aborted: true, completed: false }), { timeout: 20_000 });
  });

  it('aborts a running tool before the run reports cancelled', async () => {
    order.length = 0;
    const model = await registerScript({ turns: [{ text: 'Waiting.', toolCalls: [{ name: 'wait_for_cancel', arguments: {} }] }, { text: 'never said' }] });
    const run = await stack.client.enqueue({ input: 'wait', model: `openai:${model}`, tools: ['wait_for_cancel'] });
    let cancelAnswer: Promise<unknown> | undefined;
    for await (const { event } of stack.client.subscribe(run.id)) {
      if (event.type === 'tool.started') cancelAnswer = stack.client.cancel(run.id);
      if (event.type === 'run.cancelled') order.push('run.cancelled');
    }
    await cancelAnswer;
    expect(order).toEqual(['tool started', 'tool aborted', 'run.cancelled']);
    await closed(stack, run.id);
    expect((await stack.client.get(run.id)).status).toBe('cancelled');
    expect((await transcriptOf(stack.temporal.workflow.getHandle(run.id))).at(-1)).toMatchObject({ role: 'tool', name: 'wait_for_cancel', isError: true });
  });

  it('a viewer disconnecting does not cancel the run; cancelling an ended run is a conflict', async () => {
    const model = await registerScript({ turns: [{ text: 'one two three four five six seven eight', delayMs: 20 }] });
    const run = await stack.client.enqueue({ input: 'count', model: `openai:${model}`, tools: [] });
    const viewer = new AbortController();
    const seen: LoggedEvent[] = [];
    for await (const entry of stack.client.subscribe(run.id, { signal: viewer.signal })) {
      seen.push(entry);
      if (entry.event.type === 'text.delta') viewer.abort();
    }
    const result = await stack.client.result(run.id);
    expect(result.output).toBe('one two three four five six seven eight');
    await closed(stack, run.id);
    await expect(stack.client.cancel(run.id)).rejects.toMatchObject({ status: 409 });
  });
});
