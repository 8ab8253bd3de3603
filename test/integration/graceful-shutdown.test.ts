import { createParser } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ParsedRunEvent } from '../../src/protocol/index.js';
import { compareStreamIds } from '../../src/protocol/index.js';
import { apiUrlPattern, childEnv, CliProcess } from '../support/cli-process.js';
import { readSse, type SseMessage } from '../support/sse-reader.js';
import { rebuildStepTexts } from '../support/transcript-replay.js';
import { registerScript, startTestStack, testApiKey, type TestStack } from '../support/test-stack.js';

const text = Array.from({ length: 400 }, (_, index) => `naïve${index}`).join(' ');

/** Characters a viewer would lose or see twice: how far the rebuilt text is from the transcript's, either way. */
function mismatch(rebuilt: string, expected: string): { lost: number; duplicated: number } {
  let common = 0;
  while (common < rebuilt.length && common < expected.length && rebuilt[common] === expected[common]) common++;
  return { lost: expected.length - common, duplicated: rebuilt.length - common };
}

describe('graceful shutdown (SIGTERM): workers hand running steps over, API processes hand viewers over', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // The compatible server continues a partial message, so the handed-over step carries on from its checkpoint.
    stack = await startTestStack('graceful', { deferWorker: true, env: { OPENAI_CONTINUE_FINAL_MESSAGE: 'true' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('a worker SIGTERMed mid-step exits 0 and another worker carries the step on: the transcript is exact', async () => {
    const worker = new CliProcess(['worker'], childEnv(stack.env));
    try {
      await worker.waitFor(/worker polling task queue/);
      const model = await registerScript({ turns: [{ text, chunkSize: 4, delayMs: 10 }] });
      const run = await stack.client.enqueue({ input: 'talk', model: `openai:${model}`, tools: [], durability: { retryInitialIntervalMs: 100 } });
      const events: ParsedRunEvent[] = [];
      let stopped: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
      let reachedBeforeStop = 0;
      for await (const { event } of stack.client.subscribe(run.id)) {
        events.push(event);
        if (!stopped && event.type === 'text.delta' && event.offset >= 600) {
          reachedBeforeStop = event.offset + event.text.length;
          stopped = worker.stop('SIGTERM');
          // The replacement: polling only once the first worker stopped polling, so the step must move.
          void stack.startWorker();
        }
      }
      expect(stopped).toBeDefined();
      expect(await stopped).toEqual({ code: 0, signal: null });
      expect(worker.output).not.toMatch(/"level":(50|60)/);
      // run.completed is published just before the workflow returns.
      const details = await vi.waitFor(async () => {
        const current = await stack.client.get(run.id);
        expect(current.status).toBe('completed');
        return current;
      }, { timeout: 30_000, interval: 200 });
      expect(details.result?.output).toBe(text);
      const rebuilt = rebuildStepTexts(events).get(1) ?? '';
      expect(mismatch(rebuilt, text)).toEqual({ lost: 0, duplicated: 0 });
      expect(rebuilt).toBe(text);
      expect(events.find((event) => event.type === 'step.retrying')).toMatchObject({ error: { type: 'WorkerShutdown' } });
      const resumed = events.find((event) => event.type === 'step.resumed');
      expect(resumed).toMatchObject({ attempt: 2 });
      const offset = resumed?.type === 'step.resumed' ? resumed.offset : 0;
      // Handed over from a checkpoint taken at the stop, not regenerated from the start.
      expect(offset).toBeGreaterThan(0);
      // Figures for the report: where the handed-over step picked up against what viewers had seen.
      console.info(`worker SIGTERM: viewers had ${reachedBeforeStop} chars, step resumed at offset ${offset} of ${text.length}; lost 0, duplicated 0`);
    } finally {
      await worker.stop('SIGKILL');
    }
  });

  it('an API process SIGTERMed mid-stream exits 0, ends the stream with a retry hint, and Last-Event-ID on another API gives exactly the rest', async () => {
    if (!stack.worker) await stack.startWorker();
    const api = new CliProcess(['api', '--port', '0'], childEnv(stack.env));
    try {
      const url = (await api.waitFor(apiUrlPattern))[1]!;
      const model = await registerScript({ turns: [{ text, chunkSize: 4, delayMs: 10 }] });
      const run = await stack.client.enqueue({ input: 'talk', model: `openai:${model}`, tools: [] });
      const response = await fetch(`${url}/v1/runs/${run.id}/events`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${testApiKey}` } });
      expect(response.status).toBe(200);
      const first: SseMessage[] = [];
      const parser = createParser({ onEvent: (event) => first.push({ id: event.id, event: event.event, data: event.data }) });
      const decoder = new TextDecoder();
      let raw = '';
      let stopped: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        const piece = decoder.decode(chunk, { stream: true });
        raw += piece;
        parser.feed(piece);
        const last = first.at(-1);
        if (!stopped && last?.event === 'text.delta' && (JSON.parse(last.data) as { offset: number }).offset >= 600) stopped = api.stop('SIGTERM');
      }
      expect(stopped).toBeDefined();
      expect(await stopped).toEqual({ code: 0, signal: null });
      // Ended by the process, before the run did, with a retry hint after the last event.
      expect(first.some((message) => message.event === 'run.completed')).toBe(false);
      expect(raw.slice(raw.lastIndexOf('\nid: '))).toMatch(/\nretry: \d+\n/);
      const lastId = first.at(-1)!.id!;

      const rest = await readSse(`${stack.api.url}/v1/runs/${run.id}/events`, { authorization: `Bearer ${testApiKey}`, 'last-event-id': lastId });
      expect(rest.status).toBe(200);
      const all = [...first, ...rest.messages];
      const ids = all.map((message) => message.id!);
      expect(new Set(ids).size).toBe(ids.length);
      ids.forEach((id, index) => {
        if (index > 0) expect(compareStreamIds(ids[index - 1]!, id)).toBeLessThan(0);
      });
      expect(all.at(-1)?.event).toBe('run.completed');
      const events = all.map((message) => JSON.parse(message.data) as ParsedRunEvent);
      const rebuilt = rebuildStepTexts(events).get(1) ?? '';
      expect(mismatch(rebuilt, text)).toEqual({ lost: 0, duplicated: 0 });
      console.info(`API SIGTERM: ${first.length} events from the stopped API, ${rest.messages.length} from the other after Last-Event-ID; lost 0, duplicated 0`);
    } finally {
      await api.stop('SIGKILL');
    }
  });
});
