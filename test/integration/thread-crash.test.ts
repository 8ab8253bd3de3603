import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ServedRequest } from '../../src/demo/llm-server.js';
import type { LoggedEvent, ParsedRunEvent } from '../../src/protocol/index.js';
import { ChildWorker } from '../chaos/child-worker.js';
import { collect, expectStrictlyIncreasing, rebuildStepTexts } from '../support/transcript-replay.js';
import { childWorkerEnv, registerScript, startTestStack, type TestStack } from '../support/test-stack.js';

const longAnswer = Array.from({ length: 150 }, (_, index) => `turn-two-word${index}`).join(' ');
const runIdOf = ({ event }: LoggedEvent) => ('runId' in event ? event.runId : undefined);
const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
};

/** The worker is a real child process, SIGKILLed while turn 2 streams; a new one carries the thread on. */
describe('a thread survives its worker being killed mid-turn', () => {
  let stack: TestStack;
  const workers: ChildWorker[] = [];
  const startWorker = async () => {
    const worker = new ChildWorker(childWorkerEnv(stack));
    workers.push(worker);
    await worker.start();
    return worker;
  };
  beforeAll(async () => {
    stack = await startTestStack('thread-crash', { deferWorker: true });
  });
  afterAll(async () => {
    for (const worker of workers) await worker.stop();
    await stack?.stop();
  });

  it('carries on turn 2 from its checkpoint and answers turn 3 with the whole of turn 2 in its transcript', async () => {
    const model = await registerScript({
      turns: [{ text: 'unused' }],
      replies: {
        first: [{ text: 'answer one' }],
        second: [{ text: longAnswer, chunkSize: 6, delayMs: 8 }],
        third: [{ text: 'answer three', expectEarlier: ['assistant: answer one', `assistant: ${longAnswer}`] }],
      },
    });
    const first = await startWorker();
    const thread = await stack.client.threads.create({
      model: `openai:${model}`,
      tools: [],
      durability: { heartbeatTimeoutMs: 2_000, retryInitialIntervalMs: 100 },
    });
    const events: LoggedEvent[] = [];
    const whole = collect(thread.subscribe(), (entry) => events.push(entry));

    expect((await thread.stream('first').result).output).toBe('answer one');
    const second = await thread.send('second');
    await until(() => events.filter((entry) => runIdOf(entry) === second.runId && entry.event.type === 'text.delta').length >= 40);
    await first.kill();
    await startWorker();
    expect((await stack.client.result(second.runId)).output).toBe(longAnswer);
    expect((await thread.stream('third').result).output).toBe('answer three');
    await thread.close();
    await whole;

    // The killed attempt's stream was cut and a second request carried it on.
    const requests = ((await (await fetch(`${inject('llmUrl')}/__requests`)).json()) as ServedRequest[]).filter((request) => request.model === model);
    expect(requests.length).toBeGreaterThanOrEqual(4);
    expect(requests.every((request) => request.failure === undefined)).toBe(true);

    expect(expectStrictlyIncreasing(events)).toBe(true);
    expect(new Set(events.map((entry) => entry.id)).size).toBe(events.length);
    const view = await thread.get();
    const answers = view.messages.filter((message) => message.role === 'assistant').map((message) => message.content);
    expect(answers).toEqual(['answer one', longAnswer, 'answer three']);
    // What a viewer of the thread's stream rebuilt, turn by turn, is the transcript: nothing lost, nothing twice.
    const turnRuns = [...new Set(events.flatMap((entry) => (entry.event.type === 'turn.started' ? [runIdOf(entry)!] : [])))];
    expect(turnRuns).toHaveLength(3);
    turnRuns.forEach((runId, index) => {
      const ofTurn: ParsedRunEvent[] = events.filter((entry) => runIdOf(entry) === runId).map((entry) => entry.event);
      expect(rebuildStepTexts(ofTurn).get(1)).toBe(answers[index]);
      expect(ofTurn.filter((event) => event.type === 'turn.started')).toHaveLength(1);
      expect(ofTurn.filter((event) => event.type === 'turn.finished')).toMatchObject([{ status: 'completed' }]);
    });
    const secondEvents = events.filter((entry) => runIdOf(entry) === second.runId).map((entry) => entry.event);
    expect(secondEvents.some((event) => event.type === 'step.resumed')).toBe(true);
  });
});
