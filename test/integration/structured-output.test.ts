import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RunFailedError } from '../../src/client/index.js';
import type { RunEventOf } from '../../src/protocol/index.js';
import { collect } from '../support/transcript-replay.js';
import { countWorkflowsOnQueue, postRunBody, registerScript, startTestStack, transcriptOf, type TestStack } from '../support/test-stack.js';
import { protocolOf, providerPrefixes, servedFor } from './providers-support.js';

const calculation = {
  type: 'object',
  properties: {
    expression: { type: 'string' },
    result: { type: 'number' },
    steps: { type: 'array', items: { type: 'string' } },
  },
  required: ['expression', 'result'],
  additionalProperties: false,
};
const answer = { expression: '(17+25)*3', result: 126, steps: ['17+25 = 42', '42*3 = 126'] };

const toolThenAnswer = (text: string) => ({
  turns: [
    { text: 'Let me compute that.', toolCalls: [{ name: 'calculator', arguments: { expression: '(17+25)*3' } }], chunkSize: 7 },
    { text, chunkSize: 9 },
  ],
});

describe('structured output end to end (real Temporal, real Redis, local LLM server)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('structured-output');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it.each(providerPrefixes)('%s: a tool call, then a JSON answer → result.structuredOutput, in run.completed and GET /v1/runs/:id', async (prefix) => {
    const model = await registerScript(toolThenAnswer(JSON.stringify(answer)));
    const run = await stack.client.enqueue({
      input: 'What is (17+25)*3?',
      model: `${prefix}:${model}`,
      tools: ['calculator'],
      output: { schema: calculation, name: 'calculation' },
    });
    const events = await collect(stack.client.subscribe(run.id));
    const completed = events.at(-1)?.event as RunEventOf<'run.completed'>;
    expect(completed.type).toBe('run.completed');
    expect(completed.result.structuredOutput).toEqual(answer);
    expect(completed.result.output).toBe(JSON.stringify(answer));
    expect(completed.result.steps).toBe(2);
    // The event is published just before the workflow returns: wait for the workflow before reading the run.
    await stack.temporal.workflow.getHandle(run.id).result();
    expect((await stack.client.get(run.id)).result?.structuredOutput).toEqual(answer);

    // Every step carried the format, each protocol its own way; the first step still called a tool.
    const served = await servedFor(model);
    expect(served.map((request) => [request.protocol, request.turnIndex])).toEqual([
      [protocolOf[prefix], 0],
      [protocolOf[prefix], 1],
    ]);
    for (const request of served) {
      if (prefix === 'openai') {
        expect(request.responseFormat).toEqual({ type: 'json_schema', json_schema: { name: 'calculation', schema: calculation, strict: false } });
      } else if (prefix === 'openai-responses') {
        expect(request.responseFormat).toEqual({ type: 'json_schema', name: 'calculation', schema: calculation, strict: false });
      } else {
        expect(request.responseFormat).toBeUndefined();
        expect(request.system).toContain('reply with only a JSON object named "calculation"');
        expect(request.system).toContain(JSON.stringify(calculation));
      }
    }
  });

  it.each(providerPrefixes)('%s: an answer that does not match fails the run with StructuredOutputError naming the fields; the transcript stays', async (prefix) => {
    const wrong = JSON.stringify({ expression: '(17+25)*3', result: '126', steps: [42] });
    const model = await registerScript(toolThenAnswer(wrong));
    const run = await stack.client.enqueue({ input: 'What is (17+25)*3?', model: `${prefix}:${model}`, tools: ['calculator'], output: { schema: calculation } });
    const events = await collect(stack.client.subscribe(run.id));
    const failed = events.at(-1)?.event as RunEventOf<'run.failed'>;
    expect(failed.type).toBe('run.failed');
    expect(failed.error).toEqual({
      type: 'StructuredOutputError',
      message:
        'the final answer does not match the output schema: result: Invalid input: expected number, received string; steps.0: Invalid input: expected string, received number',
      retryable: false,
    });
    // Validated once, in the step that answered: no retried attempt, no extra model call.
    expect(events.filter((entry) => entry.event.type === 'step.resumed')).toEqual([]);
    expect(await servedFor(model)).toHaveLength(2);

    await stack.temporal.workflow
      .getHandle(run.id)
      .result()
      .catch(() => undefined);
    const view = await stack.client.get(run.id);
    expect(view.status).toBe('failed');
    expect(view.error).toMatchObject({ type: 'StructuredOutputError', retryable: false });
    expect((await transcriptOf(stack.temporal.workflow.getHandle(run.id))).at(-1)).toEqual({ role: 'assistant', content: wrong });
  });

  it('an answer that is not JSON fails with StructuredOutputError too', async () => {
    const model = await registerScript({ turns: [{ text: 'It is 126.' }] });
    const run = stack.client.stream({ input: 'What is (17+25)*3?', model: `openai:${model}`, tools: [], output: { schema: calculation } });
    const error = await run.result.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RunFailedError);
    expect((error as RunFailedError).event).toMatchObject({
      type: 'run.failed',
      error: { type: 'StructuredOutputError', message: expect.stringMatching(/^the final answer is not JSON: .*; it begins "It is 126\."$/) },
    });
  });

  it('a run that reaches maxSteps while still calling tools has no structured output: StructuredOutputError', async () => {
    const model = await registerScript({ turns: [{ toolCalls: [{ name: 'calculator', arguments: { expression: '1+1' } }] }] });
    const run = await stack.client.enqueue({ input: 'loop', model: `openai:${model}`, tools: ['calculator'], maxSteps: 1, output: { schema: calculation } });
    const events = await collect(stack.client.subscribe(run.id));
    expect(events.at(-1)?.event).toMatchObject({
      type: 'run.failed',
      error: { type: 'StructuredOutputError', message: 'the run reached maxSteps (1) before a final answer, so there is no structured output', retryable: false },
    });
  });

  it('the typed client: a zod schema in, a parsed and typed structuredOutput out', async () => {
    const model = await registerScript(toolThenAnswer(JSON.stringify(answer)));
    const schema = z.object({ expression: z.string(), result: z.number().transform((value) => BigInt(value)), steps: z.array(z.string()).optional() });
    const stream = stack.client.stream({ input: 'What is (17+25)*3?', model: `anthropic:${model}`, tools: ['calculator'], output: schema });
    const result = await stream.result;
    // The transform ran client-side: the type is the schema's output type.
    const big: bigint = result.structuredOutput.result;
    expect(big).toBe(126n);
    const served = await servedFor(model);
    expect(served[0]?.system).toContain('"result":{"type":"number"}');
  });

  it('the demo model answers a structured request with JSON fitting the schema', async () => {
    const run = stack.client.stream({
      input: 'What is (17+25)*3?',
      model: 'demo',
      tools: ['calculator'],
      output: { schema: { type: 'object', properties: { answer: { type: 'string' }, result: { type: 'number' }, exact: { type: 'boolean' } }, required: ['answer', 'result'] } },
    });
    const result = await run.result;
    expect(result.structuredOutput).toMatchObject({ result: 126, exact: true, answer: expect.stringContaining('126') });
  });

  it('bad output bodies: 400 naming the field, and no workflow started', async () => {
    const workflows = () => countWorkflowsOnQueue(stack);
    const before = await workflows();
    const cases: [unknown, string, RegExp][] = [
      [{ schema: { type: 'array', items: {} } }, 'output.schema', /must describe an object/],
      [{ schema: { type: 'object', properties: { a: { type: 'banana' } } } }, 'output.schema', /not a JSON Schema runstream can read/],
      [{ schema: calculation, name: 'no spaces allowed' }, 'output.name', /letters, digits/],
      [{ schema: calculation, retries: 3 }, 'output', /retries/],
      ['json please', 'output', /expected object/],
    ];
    for (const [output, path, message] of cases) {
      const response = await postRunBody(stack, { input: 'hi', output });
      expect(response.status, JSON.stringify(output)).toBe(400);
      const body = (await response.json()) as { error: { issues: { path: string; message: string }[] } };
      expect(body.error.issues.find((issue) => issue.path === path)?.message, JSON.stringify(output)).toMatch(message);
    }
    expect(await workflows()).toBe(before);
  });
});
