import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SentMessage, Thread } from '../../src/client/index.js';
import type { ServedRequest } from '../../src/demo/llm-server.js';
import type { LoggedEvent, RunEvent } from '../../src/protocol/index.js';
import { readSse } from '../support/sse-reader.js';
import { collect } from '../support/transcript-replay.js';
import { countWorkflowsOnQueue, registerScript, startTestStack, testApiKey, type TestStack } from '../support/test-stack.js';

const served = async (model: string): Promise<ServedRequest[]> =>
  ((await (await fetch(`${inject('llmUrl')}/__requests`)).json()) as ServedRequest[]).filter((request) => request.model === model);

/** Follows the thread's stream: `events` fills as they arrive, `done` resolves with all of them once the thread closed. */
function follow(thread: Thread, options: { after?: string } = {}) {
  const events: LoggedEvent[] = [];
  const done = collect(thread.subscribe(options), (entry) => events.push(entry)).then(() => events);
  return { events, done };
}

const runIdOf = ({ event }: LoggedEvent) => ('runId' in event ? event.runId : undefined);
const typesOf = (events: LoggedEvent[], runId: string) => events.filter((entry) => runIdOf(entry) === runId).map(({ event }) => event.type);
const turnEvents = (events: LoggedEvent[]) =>
  events.flatMap(({ event }) => (event.type.startsWith('turn.') ? [event as Extract<RunEvent, { type: 'turn.queued' | 'turn.started' | 'turn.finished' }>] : []));

describe('threads (real Temporal, real Redis, local LLM server)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('threads');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('runs three turns; turn 3 is sent the earlier turns and answers from turn 1', async () => {
    const model = await registerScript({
      turns: [{ text: 'unused' }],
      replies: {
        'My name is Ada.': [{ text: 'Nice to meet you, Ada.' }],
        'What is 2+2?': [{ text: 'It is 4.', expectEarlier: ['user: My name is Ada.', 'assistant: Nice to meet you, Ada.'] }],
        'What is my name?': [{ text: 'Your name is Ada.', expectEarlier: ['user: My name is Ada.', 'assistant: Nice to meet you, Ada.', 'user: What is 2+2?', 'assistant: It is 4.'] }],
      },
    });
    const thread = await stack.client.threads.create({ model: `openai:${model}`, tools: [] });
    expect(thread.id).toMatch(/^thr_[0-9a-f]{26}$/);
    expect(thread.eventsUrl).toBe(`${stack.api.url}/v1/threads/${thread.id}/events`);
    const stream = follow(thread);

    const outputs: string[] = [];
    const turns: SentMessage[] = [];
    for (const input of ['My name is Ada.', 'What is 2+2?', 'What is my name?']) {
      const turn = thread.stream(input);
      turns.push(await turn.run);
      outputs.push((await turn.result).output);
    }
    expect(outputs).toEqual(['Nice to meet you, Ada.', 'It is 4.', 'Your name is Ada.']);
    // Sent once the previous answer completed: that turn may still be finishing (1), nothing else is ahead.
    expect(turns[0]!.position).toBe(0);
    for (const turn of turns) expect(turn.position).toBeLessThanOrEqual(1);
    expect(turns.map((turn) => turn.turn)).toEqual([1, 2, 3]);
    // The model of turn 3 was sent both earlier turns; no request failed its expectation.
    const requests = await served(model);
    expect(requests.map((request) => request.failure)).toEqual([undefined, undefined, undefined]);
    expect(requests[2]!.earlier).toEqual(['user: My name is Ada.', 'assistant: Nice to meet you, Ada.', 'user: What is 2+2?', 'assistant: It is 4.']);

    // The result comes with run.completed, just before the turn's workflow and then the thread's turn close: wait for both.
    await Promise.all(turns.map((turn) => stack.temporal.workflow.getHandle(turn.runId).result()));
    while (!stream.events.some(({ event }) => event.type === 'turn.finished' && event.turn === 3)) await new Promise((resolve) => setTimeout(resolve, 20));
    // Each turn is a run: GET /v1/runs/:id answers its own messages.
    const run3 = await stack.client.get(turns[2]!.runId);
    expect(run3.status).toBe('completed');
    expect(run3.result?.messages.map((message) => message.content)).toEqual(['What is my name?', 'Your name is Ada.']);

    const view = await thread.get();
    expect(view).toMatchObject({ id: thread.id, status: 'idle', turns: 3, queued: 0 });
    expect(view.messages.map((message) => `${message.role}: ${message.content}`)).toEqual([
      'user: My name is Ada.',
      'assistant: Nice to meet you, Ada.',
      'user: What is 2+2?',
      'assistant: It is 4.',
      'user: What is my name?',
      'assistant: Your name is Ada.',
    ]);
    // The thread's usage is the sum of its turns'.
    const runs = await Promise.all(turns.map((turn) => stack.client.get(turn.runId)));
    expect(view.usage.totalTokens).toBe(runs.reduce((sum, run) => sum + run.result!.usage.totalTokens, 0));
    expect(view.usage.totalTokens).toBeGreaterThan(0);

    expect(await thread.close()).toEqual({ id: thread.id, status: 'closed' });
    const events = await stream.done;
    // One stream: every turn's events in turn order, each turn framed by its turn events, closed at the end.
    for (const turn of turns) {
      const types = typesOf(events, turn.runId);
      expect(types.slice(0, 3)).toEqual(['turn.queued', 'turn.started', 'run.started']);
      expect(types.filter((type) => type === 'text.delta').length).toBeGreaterThan(0);
      expect(types.slice(-2)).toEqual(['run.completed', 'turn.finished']);
    }
    // A message may be queued while the turn before finishes; it starts only after that turn finished.
    const firstOf = (runId: string) => events.findIndex((entry) => runIdOf(entry) === runId && entry.event.type !== 'turn.queued');
    const lastOf = (runId: string) => events.findLastIndex((entry) => runIdOf(entry) === runId);
    expect(lastOf(turns[0]!.runId)).toBeLessThan(firstOf(turns[1]!.runId));
    expect(lastOf(turns[1]!.runId)).toBeLessThan(firstOf(turns[2]!.runId));
    expect(events.at(-1)?.event).toMatchObject({ type: 'thread.closed', threadId: thread.id, turns: 3, closedBy: 'request' });
    expect((await thread.get()).status).toBe('closed');
  });

  it('queues messages sent while a turn runs and answers them in order, never interleaved', async () => {
    const slow = Array.from({ length: 40 }, (_, index) => `s${index}`).join(' ');
    const model = await registerScript({
      turns: [{ text: 'unused' }],
      replies: { first: [{ text: slow, delayMs: 15 }], second: [{ text: 'answer two' }], third: [{ text: 'answer three', expectEarlier: ['user: second', 'assistant: answer two'] }] },
    });
    const thread = await stack.client.threads.create({ model: `openai:${model}`, tools: [] });
    const stream = follow(thread);
    const first = await thread.send('first');
    // Wait until the first turn streams, so the next two are sent while it runs.
    while (!stream.events.some((entry) => entry.event.type === 'text.delta' && runIdOf(entry) === first.runId)) await new Promise((resolve) => setTimeout(resolve, 20));
    const [second, third] = [await thread.send('second'), await thread.send('third')];
    expect([first.position, second.position, third.position]).toEqual([0, 1, 2]);
    // A queued turn is already a run (queued) and its events can be followed before it starts.
    expect((await stack.client.get(third.runId)).status).toBe('queued');
    const thirdResult = stack.client.result(third.runId);
    expect((await thirdResult).output).toBe('answer three');
    await thread.close();
    const events = await stream.done;
    const started = turnEvents(events)
      .filter((event) => event.type === 'turn.started')
      .map((event) => event.runId);
    expect(started).toEqual([first.runId, second.runId, third.runId]);
    // Each turn's events sit between its turn.started and turn.finished: nothing interleaves.
    for (const runId of started) {
      const from = events.findIndex((entry) => entry.event.type === 'turn.started' && runIdOf(entry) === runId);
      const to = events.findIndex((entry) => entry.event.type === 'turn.finished' && runIdOf(entry) === runId);
      const inside = events.slice(from, to + 1).filter(({ event }) => event.type !== 'turn.queued');
      expect(inside.every((entry) => runIdOf(entry) === runId)).toBe(true);
      expect(events.filter((entry) => runIdOf(entry) === runId && entry.event.type !== 'turn.queued').length).toBe(inside.length);
    }
    const view = await thread.get();
    expect(view.messages.filter((message) => message.role === 'assistant').map((message) => message.content)).toEqual([slow, 'answer two', 'answer three']);
  });

  it('a viewer joining after turn 2 with Last-Event-ID gets exactly the rest of the stream', async () => {
    const model = await registerScript({ turns: [{ text: 'one two three four five six seven eight', delayMs: 2 }] });
    const thread = await stack.client.threads.create({ model: `openai:${model}`, tools: [] });
    const whole = follow(thread);
    await thread.stream('turn one').result;
    const second = thread.stream('turn two');
    await second.result;
    while (!whole.events.some(({ event }) => event.type === 'turn.finished' && event.turn === 2)) await new Promise((resolve) => setTimeout(resolve, 20));
    const joinAfter = whole.events.find(({ event }) => event.type === 'turn.finished' && event.turn === 2)!.id;
    const late = follow(stack.client.threads.open(thread.id), { after: joinAfter });
    await thread.stream('turn three').result;
    await thread.close();
    const [all, rest] = await Promise.all([whole.done, late.done]);
    const expected = all.slice(all.findIndex((entry) => entry.id === joinAfter) + 1);
    expect(expected.length).toBeGreaterThan(10);
    expect(rest).toEqual(expected);
    // Over plain HTTP with the thread's viewer token and the Last-Event-ID header, the same.
    const read = await readSse(`${thread.eventsUrl}?token=${encodeURIComponent(thread.viewerToken!)}`, { 'last-event-id': joinAfter });
    expect(read.status).toBe(200);
    expect(read.messages.map((message) => message.id)).toEqual(expected.map((entry) => entry.id));
  });

  it('refuses bad input with clear errors and changes nothing', async () => {
    const model = await registerScript({ turns: [{ text: 'ok' }] });
    const thread = await stack.client.threads.create({ model: `openai:${model}`, tools: [] });
    const post = (path: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${testApiKey}` }) =>
      fetch(`${stack.api.url}${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const errorOf = async (response: Response) => ({ status: response.status, ...((await response.json()) as { error: { type: string; message: string; issues?: { path: string }[] } }).error });
    const workflowsBefore = await countWorkflowsOnQueue(stack);

    expect(await errorOf(await post(`/v1/threads/${thread.id}/messages`, { input: '   ' }))).toMatchObject({ status: 400, type: 'invalid_request', issues: [{ path: 'input' }] });
    expect(await errorOf(await post(`/v1/threads/${thread.id}/messages`, { input: [] }))).toMatchObject({ status: 400, message: expect.stringMatching(/at least one message/) });
    expect(await errorOf(await post(`/v1/threads/${thread.id}/messages`, {}))).toMatchObject({ status: 400, issues: [{ path: 'input' }] });
    expect(await errorOf(await post(`/v1/threads/${thread.id}/messages`, '{not json'))).toMatchObject({ status: 400, message: 'the body is not valid JSON' });
    expect(await errorOf(await post(`/v1/threads/${thread.id}/messages`, { input: 'hi' }, {}))).toMatchObject({ status: 401 });
    expect(await errorOf(await post('/v1/threads/thr_00000000000000000000000000/messages', { input: 'hi' }))).toMatchObject({ status: 404, type: 'not_found' });
    expect(await errorOf(await post('/v1/threads/nonsense/messages', { input: 'hi' }))).toMatchObject({ status: 404 });
    expect(await errorOf(await post('/v1/threads', { model: 'nope', input: 'x' }))).toMatchObject({ status: 400, type: 'invalid_request' });
    expect((await thread.get()).turns).toBe(0);

    // Closed: the message is refused (409) and no turn is added, before and after the workflow ended.
    await thread.close();
    expect(await errorOf(await post(`/v1/threads/${thread.id}/messages`, { input: 'hi' }))).toMatchObject({ status: 409, type: 'conflict', message: expect.stringMatching(/closed/) });
    await stack.temporal.workflow.getHandle(thread.id).result();
    expect(await errorOf(await post(`/v1/threads/${thread.id}/messages`, { input: 'hi' }))).toMatchObject({ status: 409, type: 'conflict' });
    expect(await thread.close()).toEqual({ id: thread.id, status: 'closed' });
    expect(await thread.get()).toMatchObject({ status: 'closed', turns: 0 });
    expect(await countWorkflowsOnQueue(stack)).toBe(workflowsBefore);
  });

  it("a thread's viewer token reads the thread and its turns, nothing else", async () => {
    const model = await registerScript({ turns: [{ text: 'seen' }] });
    const thread = await stack.client.threads.create({ model: `openai:${model}`, tools: [] });
    const other = await stack.client.enqueue({ input: 'other', model: `openai:${model}`, tools: [] });
    const turn = thread.stream('hello');
    const { runId } = await turn.run;
    await turn.result;
    const token = `?token=${encodeURIComponent(thread.viewerToken!)}`;
    const ownRun = await readSse(`${stack.api.url}/v1/runs/${runId}/events${token}`);
    expect(ownRun.status).toBe(200);
    expect(ownRun.messages.at(-1)?.event).toBe('run.completed');
    expect((await fetch(`${stack.api.url}/v1/runs/${other.id}/events${token}`)).status).toBe(403);
    const otherThread = await stack.client.threads.create({ model: `openai:${model}`, tools: [] });
    expect((await fetch(`${stack.api.url}/v1/threads/${otherThread.id}/events${token}`)).status).toBe(403);
    // Reading state or writing needs a key.
    expect((await fetch(`${stack.api.url}/v1/threads/${thread.id}${token}`)).status).toBe(401);
    expect((await fetch(`${stack.api.url}/v1/threads/${thread.id}/messages${token}`, { method: 'POST', body: '{"input":"x"}' })).status).toBe(401);
    await thread.close();
    await otherThread.close();
  });
});
