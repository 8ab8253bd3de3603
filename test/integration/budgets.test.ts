import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defineAgent } from '../../src/agents/agent.js';
import type { ServedRequest } from '../../src/demo/llm-server.js';
import type { ParsedRunEvent, RunError } from '../../src/protocol/index.js';
import { configSchema, toValidatedConfig, type RunstreamConfig } from '../../src/worker/config-schema.js';
import { rebuildStepTexts } from '../support/transcript-replay.js';
import { countWorkflowsOnQueue, postRunBody, registerScript, startTestStack, testApiKey, type TestStack } from '../support/test-stack.js';

const execFileAsync = promisify(execFile);

const served = async (model: string) =>
  ((await (await fetch(`${inject('llmUrl')}/__requests`)).json()) as ServedRequest[]).filter((request) => request.model === model);

const words = (count: number, prefix: string) => Array.from({ length: count }, (_, index) => `${prefix}${index}`).join(' ');
const calculate = (expression: string) => ({ name: 'calculator', arguments: { expression } });
/** What each tool message of a transcript says: the calculator's result, or the error of a call that did not run. */
const toolAnswers = (messages: { role: string; content: string }[]) =>
  messages.filter((message) => message.role === 'tool').map((message) => {
    const parsed = JSON.parse(message.content) as { result?: number; error?: string };
    return parsed.result ?? parsed.error;
  });

describe('budgets: each limit ends the run failed with BudgetExceededError, resume with a larger budget finishes (real Temporal, Redis, HTTP)', () => {
  let stack: TestStack;
  let frugalModel: string;
  beforeAll(async () => {
    frugalModel = await registerScript({ turns: [{ text: 'Computing.', toolCalls: [calculate('2+2')] }, { text: 'It is 4.' }] });
    const raw: RunstreamConfig = {
      agents: [defineAgent({ name: 'frugal', model: `openai:${frugalModel}`, tools: ['calculator'], budget: { maxToolCalls: 0, maxTotalTokens: 100_000 } })],
    };
    // The local LLM server continues a trailing assistant message (as vLLM does), so a cut step is carried on by prefill.
    stack = await startTestStack('budgets', { env: { OPENAI_CONTINUE_FINAL_MESSAGE: 'true' }, config: toValidatedConfig(configSchema.parse(raw), raw) });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const eventsOf = async (runId: string): Promise<ParsedRunEvent[]> => {
    const events: ParsedRunEvent[] = [];
    for await (const { event } of stack.client.subscribe(runId)) events.push(event);
    return events;
  };
  const failureOf = (events: ParsedRunEvent[]): RunError => {
    const last = events.at(-1);
    if (last?.type !== 'run.failed') throw new Error(`expected run.failed, got ${last?.type}`);
    return last.error;
  };
  const closed = (runId: string) => stack.temporal.workflow.getHandle(runId).result().then(() => undefined, () => undefined);
  const resumeWith = (runId: string, body: unknown) =>
    fetch(`${stack.api.url}/v1/runs/${runId}/resume`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testApiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const ofType = <T extends ParsedRunEvent['type']>(events: ParsedRunEvent[], type: T) =>
    events.filter((event): event is Extract<ParsedRunEvent, { type: T }> => event.type === type);

  it('maxToolCalls: calls that would pass the limit do not run; resume with a larger one finishes', async () => {
    const model = await registerScript({
      turns: [
        { text: 'Two first.', toolCalls: [calculate('1+1'), calculate('2+2')] },
        { text: 'One more.', toolCalls: [calculate('3+3')] },
        { text: 'Another.', toolCalls: [calculate('4+4')] },
        { text: 'Last one.', toolCalls: [calculate('5+5')] },
        { text: 'Done.' },
      ],
    });
    const run = await stack.client.enqueue({ input: 'add things', model: `openai:${model}`, tools: ['calculator'], budget: { maxToolCalls: 2 } });
    const events = await eventsOf(run.id);
    expect(events[0]).toMatchObject({ type: 'run.started', budget: { maxToolCalls: 2 } });
    expect(failureOf(events)).toMatchObject({ type: 'BudgetExceededError', limit: 'maxToolCalls', used: 3, max: 2, retryable: false });
    // The two calls of step 1 ran; step 2's call did not.
    expect(ofType(events, 'tool.finished').map((event) => (event.result as { result: number }).result)).toEqual([2, 4]);
    expect(ofType(events, 'step.finished')).toHaveLength(2);
    await closed(run.id);
    expect(await stack.client.get(run.id)).toMatchObject({
      status: 'failed',
      budget: { maxToolCalls: 2 },
      error: { type: 'BudgetExceededError', limit: 'maxToolCalls', used: 3, max: 2 },
    });

    // Resumed as it was (no body), nothing more fits: the calls already made stay counted.
    const again = await stack.client.resume(run.id);
    expect(failureOf(await eventsOf(again.id))).toMatchObject({ type: 'BudgetExceededError', limit: 'maxToolCalls', used: 3, max: 2 });
    await closed(again.id);

    const resumed = await stack.client.resume(again.id, { budget: { maxToolCalls: 5 } });
    const result = await stack.client.result(resumed.id);
    expect(result.output).toBe('Done.');
    // Each refused call is answered in the transcript (so it stays well-formed), saying why it did not run.
    const refused = expect.stringContaining('maxToolCalls');
    expect(toolAnswers(result.messages)).toEqual([2, 4, refused, refused, 10]);
    await closed(resumed.id);
    expect(await stack.client.get(resumed.id)).toMatchObject({ status: 'completed', budget: { maxToolCalls: 5 } });
  });

  it('maxOutputTokens: the stream stops at the limit, the partial text is kept, resume carries it on to the end', async () => {
    const text = words(120, 'w');
    const model = await registerScript({ turns: [{ text, chunkSize: 8, delayMs: 5 }] });
    const run = await stack.client.enqueue({ input: 'talk', model: `openai:${model}`, tools: [], budget: { maxOutputTokens: 30 } });
    const events = await eventsOf(run.id);
    expect(failureOf(events)).toMatchObject({ type: 'BudgetExceededError', limit: 'maxOutputTokens', used: 30, max: 30 });
    // ~4 characters a token: the step ends with exactly 120 characters of the text, finish reason `length`.
    const partial = rebuildStepTexts(events).get(1);
    expect(partial).toBe(text.slice(0, 30 * 4));
    expect(ofType(events, 'step.finished')[0]).toMatchObject({ text: partial, finishReason: 'length' });
    // The provider's stream was closed there, not read to its end.
    expect((await served(model))[0]).toMatchObject({ completed: false, aborted: true });
    await closed(run.id);

    const resumed = await stack.client.resume(run.id, { budget: { maxOutputTokens: 10_000 } });
    const resumedEvents = await eventsOf(resumed.id);
    const result = await stack.client.result(resumed.id);
    // The new run continued the kept partial text by prefill: the transcript is exactly the script's text.
    expect(result.messages).toEqual([
      { role: 'user', content: 'talk' },
      { role: 'assistant', content: text },
    ]);
    expect(ofType(resumedEvents, 'text.delta')[0]).toMatchObject({ offset: 0, text: partial });
    expect((await served(model))[1]!.prefill).toBe(partial);
  });

  it('maxTotalTokens: no step starts once the run has used it; resume with a larger one finishes', async () => {
    const model = await registerScript({
      turns: [{ text: 'First.', toolCalls: [calculate('5*5')] }, { text: 'Second.', toolCalls: [calculate('6*6')] }, { text: 'Both done.' }],
    });
    const run = await stack.client.enqueue({ input: 'compute', model: `openai:${model}`, tools: ['calculator'], budget: { maxTotalTokens: 10 } });
    const events = await eventsOf(run.id);
    const [first] = ofType(events, 'step.finished');
    // Step 1 alone spent more than 10 tokens: its tool still ran (answered), step 2 never started.
    expect(first!.usage.totalTokens).toBeGreaterThan(10);
    expect(ofType(events, 'step.started')).toHaveLength(1);
    expect(ofType(events, 'tool.finished')).toHaveLength(1);
    expect(failureOf(events)).toMatchObject({ type: 'BudgetExceededError', limit: 'maxTotalTokens', used: first!.usage.totalTokens, max: 10 });
    await closed(run.id);

    const resumed = await stack.client.resume(run.id, { budget: { maxTotalTokens: 1_000_000 } });
    const result = await stack.client.result(resumed.id);
    expect(result.output).toBe('Both done.');
    expect(toolAnswers(result.messages)).toEqual([25, 36]);
  });

  it('maxDurationMs: once the run has lasted that long nothing more is scheduled; resume with a longer one finishes', async () => {
    // Step 1 streams for about a second, far past the limit.
    const model = await registerScript({
      turns: [{ text: words(10, 'slow'), delayMs: 100, toolCalls: [calculate('7*7')] }, { text: 'Finished.' }],
    });
    const run = await stack.client.enqueue({ input: 'take time', model: `openai:${model}`, tools: ['calculator'], budget: { maxDurationMs: 300 } });
    const events = await eventsOf(run.id);
    const error = failureOf(events);
    expect(error).toMatchObject({ type: 'BudgetExceededError', limit: 'maxDurationMs', max: 300 });
    expect(error.used).toBeGreaterThanOrEqual(300);
    // The step's calls were not run.
    expect(ofType(events, 'tool.started')).toHaveLength(0);
    await closed(run.id);

    // Resumed with the same limit, which the time already spent reaches: it fails before its first step, and
    // still says run.started first (no step was there to append it).
    const again = await stack.client.resume(run.id, { budget: { maxDurationMs: 300 } });
    const againEvents = await eventsOf(again.id);
    expect(againEvents.map((event) => event.type)).toEqual(['run.started', 'run.failed']);
    expect(failureOf(againEvents)).toMatchObject({ type: 'BudgetExceededError', limit: 'maxDurationMs' });
    await closed(again.id);

    const resumed = await stack.client.resume(again.id, { budget: { maxDurationMs: 600_000 } });
    const result = await stack.client.result(resumed.id);
    expect(result.output).toBe('Finished.');
  });

  it('bad budget values answer 400 naming the field and start nothing, on enqueue and on resume', async () => {
    const before = await countWorkflowsOnQueue(stack);
    const bad: [unknown, string][] = [
      [{ maxTotalTokens: 0 }, 'budget.maxTotalTokens'],
      [{ maxOutputTokens: 1.5 }, 'budget.maxOutputTokens'],
      [{ maxToolCalls: -1 }, 'budget.maxToolCalls'],
      [{ maxDurationMs: '1000' }, 'budget.maxDurationMs'],
      [{ maxTokens: 10 }, 'budget'],
      ['lots', 'budget'],
    ];
    for (const [budget, path] of bad) {
      const response = await postRunBody(stack, { input: 'hi', model: `openai:${frugalModel}`, budget });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { type: string; issues: { path: string }[] } };
      expect(body.error.type).toBe('invalid_request');
      expect(body.error.issues[0]?.path).toBe(path);
    }

    const model = await registerScript({ turns: [{ text: 'Calling.', toolCalls: [calculate('1+2')] }, { text: 'Three.' }] });
    const run = await stack.client.enqueue({ input: 'add', model: `openai:${model}`, tools: ['calculator'], budget: { maxToolCalls: 0 } });
    expect(failureOf(await eventsOf(run.id))).toMatchObject({ limit: 'maxToolCalls', used: 1, max: 0 });
    await closed(run.id);
    const afterFailed = await countWorkflowsOnQueue(stack);
    expect(afterFailed).toBe(before + 1);
    const refused = await resumeWith(run.id, { budget: { maxToolCalls: -3 } });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { issues: { path: string }[] } }).error.issues[0]?.path).toBe('budget.maxToolCalls');
    expect((await resumeWith(run.id, { budgets: {} })).status).toBe(400);
    expect(await countWorkflowsOnQueue(stack)).toBe(afterFailed);
    expect(await stack.client.get(run.id)).not.toHaveProperty('resumedBy');
    const resumed = await resumeWith(run.id, { budget: { maxToolCalls: 1 } });
    expect(resumed.status).toBe(202);
    expect((await stack.client.result(((await resumed.json()) as { id: string }).id)).output).toBe('Three.');
  });

  it("an agent's budget from the config applies; a request's budget wins field by field", async () => {
    const limited = await stack.client.enqueue({ input: 'what is 2+2?', agent: 'frugal' });
    const events = await eventsOf(limited.id);
    expect(events[0]).toMatchObject({ type: 'run.started', agent: 'frugal', budget: { maxToolCalls: 0, maxTotalTokens: 100_000 } });
    expect(failureOf(events)).toMatchObject({ type: 'BudgetExceededError', limit: 'maxToolCalls', used: 1, max: 0 });

    const allowed = await stack.client.enqueue({ input: 'what is 2+2?', agent: 'frugal', budget: { maxToolCalls: 1 } });
    const allowedEvents = await eventsOf(allowed.id);
    expect(allowedEvents[0]).toMatchObject({ type: 'run.started', budget: { maxToolCalls: 1, maxTotalTokens: 100_000 } });
    expect(allowedEvents.at(-1)).toMatchObject({ type: 'run.completed', result: { output: 'It is 4.' } });
  });

  it('usage.retried counts what a failed attempt consumed, and the budget counts it too', async () => {
    const text = words(60, 'r');
    // The first stream is cut after 12 chunks; the step is retried and carried on from its checkpoint.
    const model = await registerScript({ turns: [{ text, chunkSize: 4, delayMs: 5 }], failures: [{ status: 500, message: 'cut', cutAfterChunks: 12 }] });
    const run = await stack.client.enqueue({ input: 'say it', model: `openai:${model}`, tools: [], durability: { retryInitialIntervalMs: 100 } });
    const events = await eventsOf(run.id);
    const resumedAt = events.findIndex((event) => event.type === 'step.resumed');
    expect(resumedAt).toBeGreaterThan(0);
    const firstAttemptChars = ofType(events.slice(0, resumedAt), 'text.delta').reduce((sum, event) => sum + event.text.length, 0);
    expect(firstAttemptChars).toBeGreaterThan(0);
    const result = await stack.client.result(run.id);
    expect(result.output).toBe(text);
    const retried = result.usage.retried;
    expect(retried).toBeDefined();
    // No usage reached the first attempt before the cut: its output is estimated at ~4 characters a token.
    expect(retried!.outputTokens).toBe(Math.ceil(firstAttemptChars / 4));
    expect(retried!.inputTokens).toBeGreaterThan(0);
    expect(retried!.totalTokens).toBe(retried!.inputTokens + retried!.outputTokens);
    // The successful attempt's own usage is the provider's, apart from the retried tokens.
    const [finished] = ofType(events, 'step.finished');
    expect(finished!.usage).toEqual(result.usage);

    // The budget counts them: a limit just above step 1's own usage is passed once its retried tokens are added.
    const cutThenCall = () =>
      registerScript({
        turns: [{ text, chunkSize: 4, delayMs: 5, toolCalls: [calculate('1+1')] }, { text: 'never said' }],
        failures: [{ status: 500, message: 'cut', cutAfterChunks: 12 }],
      });
    const enqueueWith = async (budget?: { maxTotalTokens: number }) =>
      eventsOf(
        (
          await stack.client.enqueue({
            input: 'say it',
            model: `openai:${await cutThenCall()}`,
            tools: ['calculator'],
            durability: { retryInitialIntervalMs: 100 },
            ...(budget ? { budget } : {}),
          })
        ).id,
      );
    const [measured] = ofType(await enqueueWith(), 'step.finished');
    const max = measured!.usage.totalTokens + 1;
    const tipped = await enqueueWith({ maxTotalTokens: max });
    const [step] = ofType(tipped, 'step.finished');
    expect(step!.usage.totalTokens).toBeLessThan(max);
    expect(failureOf(tipped)).toMatchObject({ limit: 'maxTotalTokens', max, used: step!.usage.totalTokens + step!.usage.retried!.totalTokens });
  });

  it("a thread's budget applies to each of its turns", async () => {
    const model = await registerScript({ turns: [{ text: 'Calling.', toolCalls: [calculate('6*7')] }, { text: 'It is 42.' }] });
    const thread = await stack.client.threads.create({ model: `openai:${model}`, tools: ['calculator'], budget: { maxToolCalls: 0 } });
    const sent = await thread.send('what is 6*7?');
    const events = await eventsOf(sent.runId);
    expect(events[0]).toMatchObject({ type: 'run.started', budget: { maxToolCalls: 0 } });
    expect(failureOf(events)).toMatchObject({ type: 'BudgetExceededError', limit: 'maxToolCalls', used: 1, max: 0 });
  });

  it('the CLI: run --budget-* flags set the limits, a bad one is refused before anything starts, resume --budget-* goes on', async () => {
    const env = { ...process.env, RUNSTREAM_API_URL: stack.api.url, RUNSTREAM_API_KEY: testApiKey };
    const cli = (args: string[]) =>
      execFileAsync('node', ['bin/runstream.js', ...args], { env }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
    const model = await registerScript({ turns: [{ text: 'Calling.', toolCalls: [calculate('6*7')] }, { text: 'It is 42.' }] });
    const before = await countWorkflowsOnQueue(stack);
    const bad = await cli(['run', 'what is 6*7?', '--model', `openai:${model}`, '--budget-max-tool-calls=-1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--budget-max-tool-calls: maxToolCalls must be at least 0');
    expect((await cli(['run', 'x', '--budget-max-duration-ms', 'soon'])).stderr).toContain('--budget-max-duration-ms: expected a whole number, got "soon"');
    expect(await countWorkflowsOnQueue(stack)).toBe(before);

    const followed = await cli(['run', 'what is 6*7?', '--model', `openai:${model}`, '--tools', 'calculator', '--budget-max-tool-calls', '0', '--budget-max-total-tokens', '50000', '--follow']);
    expect(followed.code).toBe(1);
    expect(followed.stderr).toContain('✗ failed · BudgetExceededError: the run reached its budget\'s maxToolCalls: 1 of 0 tool calls used');
    const hint = /go on with: runstream resume (run_\w+) --budget-max-tool-calls <more than 0>/.exec(followed.stderr);
    expect(hint).not.toBeNull();
    const runId = hint![1]!;
    expect(await stack.client.get(runId)).toMatchObject({ budget: { maxToolCalls: 0, maxTotalTokens: 50_000 } });
    await closed(runId);

    const resumed = await cli(['resume', runId, '--budget-max-tool-calls', '1']);
    expect(resumed.code).toBe(0);
    const { id } = JSON.parse(resumed.stdout) as { id: string };
    expect((await stack.client.result(id)).output).toBe('It is 42.');
    // The resume's flag replaced one limit; the run's other limit stays.
    expect(await stack.client.get(id)).toMatchObject({ budget: { maxToolCalls: 1, maxTotalTokens: 50_000 } });
  });
});
