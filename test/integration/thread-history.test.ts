import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { threadStateQuery } from '../../workflows/thread-definitions.js';
import { executionHistories } from '../support/history-size.js';
import { registerScript, startTestStack, type TestStack } from '../support/test-stack.js';

const turns = 30;
const answerChars = 12_000;

/**
 * A thread keeps its transcript in the blob store: no turn's input, no turn's
 * result in the thread's history and no continue-as-new input grows with the
 * thread, so each of its workflow runs stays far under Temporal's suggested
 * limits (4,096 events / 4 MB) however long the conversation. Sizes only,
 * no timing (that is `npm run bench -- threads`).
 */
describe('thread histories stay bounded', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('thread-history');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it(`${turns} turns of ${answerChars / 1000} K characters: the transcript grows, the histories do not`, async () => {
    const model = await registerScript({ turns: [{ fillText: answerChars, chunkSize: 4_000 }] });
    const thread = await stack.client.threads.create({ model: `openai:${model}`, tools: [], maxSteps: 1 });
    const runIds: string[] = [];
    for (let turn = 1; turn <= turns; turn++) {
      const sent = thread.stream(`message ${turn}`);
      runIds.push((await sent.run).runId);
      expect((await sent.result).output).toHaveLength(answerChars);
    }
    // The last turn's final event goes out before the thread takes its result in.
    const state = await vi.waitFor(async () => {
      const current = await stack.temporal.workflow.getHandle(thread.id).query(threadStateQuery);
      expect(current.finishedTurns).toBe(turns);
      return current;
    }, { timeout: 30_000 });
    // The whole conversation is in the store: the thread holds a ref, and no message inline.
    expect(state.transcript?.length).toBe(turns * 2);
    expect(state.transcript!.bytes).toBeGreaterThan(turns * answerChars);
    expect(state.messages).toEqual([]);
    expect((await thread.get()).messages).toHaveLength(turns * 2);

    const suggested = { events: 4_096, bytes: 4 * 1024 * 1024 };
    for (const execution of await executionHistories(stack.temporal, thread.id)) {
      expect(execution.events.length).toBeLessThan(suggested.events);
      expect(execution.totalBytes).toBeLessThan(suggested.bytes);
      // Each turn's result enters the thread's history by ref: no event carries a transcript.
      expect(Math.max(...execution.eventBytes)).toBeLessThan(8 * 1024);
    }
    // The last turn was started with a ref and its own message, as small as the first.
    const startedBytes = async (runId: string) => {
      const [first] = await executionHistories(stack.temporal, runId);
      return first!.eventBytes[0]!;
    };
    const [firstTurn, lastTurn] = await Promise.all([startedBytes(runIds[0]!), startedBytes(runIds.at(-1)!)]);
    expect(lastTurn).toBeLessThan(firstTurn + 1_024);
    // A turn's result is its own turn, not the thread.
    expect((await stack.client.get(runIds.at(-1)!)).result?.messages).toHaveLength(2);
    await thread.close();
  });
});
