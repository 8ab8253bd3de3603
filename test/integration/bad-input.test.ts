import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countWorkflowsOnQueue, postRunBody, startTestStack, testApiKey, type TestStack } from '../support/test-stack.js';

const run = promisify(execFile);

describe('bad input gets a clear error and starts nothing', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('bad-input');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const post = (body: string) => postRunBody(stack, body);
  const workflowsOnQueue = () => countWorkflowsOnQueue(stack);

  it.each([
    ['an unknown model', JSON.stringify({ input: 'hi', model: 'nope:gpt' }), 'model', /unknown model "nope:gpt"/],
    ['a model without provider', JSON.stringify({ input: 'hi', model: 'gpt-4o' }), 'model', /provider:model/],
    ['an unknown tool', JSON.stringify({ input: 'hi', tools: ['calculator', 'rm_rf'] }), 'tools', /unknown tool "rm_rf"/],
    ['a non-JSON body', '{"input": "hi"', '(body)', /not valid JSON/],
    ['a missing prompt', JSON.stringify({ model: 'demo' }), 'input', /input/],
    ['an empty prompt', JSON.stringify({ input: '   ' }), 'input', /must not be empty/],
    ['maxSteps 0', JSON.stringify({ input: 'hi', maxSteps: 0 }), 'maxSteps', /at least 1/],
    ['maxSteps 10,001', JSON.stringify({ input: 'hi', maxSteps: 10_001 }), 'maxSteps', /at most 10000/],
    ['an unknown field', JSON.stringify({ input: 'hi', temperature: 2 }), '(body)', /temperature/],
  ])('%s: 400 naming the field', async (_label, body, path, message) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    const json = (await response.json()) as { error: { type: string; message: string; issues: { path: string; message: string }[] } };
    expect(json.error.type).toBe('invalid_request');
    expect(json.error.issues.map((issue) => issue.path)).toContain(path);
    expect(json.error.message).toMatch(message);
  });

  it('started no workflow for any rejected request', async () => {
    expect(await workflowsOnQueue()).toBe(0);
  });

  it('answers 401 without a key or with a wrong one, 404 for an unknown run', async () => {
    const noKey = await fetch(`${stack.api.url}/v1/runs`, { method: 'POST', body: '{}' });
    expect(noKey.status).toBe(401);
    const wrongKey = await fetch(`${stack.api.url}/v1/runs/run_0000000000000000`, { headers: { authorization: 'Bearer wrong' } });
    expect(wrongKey.status).toBe(401);
    const unknown = await fetch(`${stack.api.url}/v1/runs/run_0000000000000000`, { headers: { authorization: `Bearer ${testApiKey}` } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { type: 'not_found' } });
  });

  it('the CLI says what is wrong in one line and exits 2', async () => {
    const env = { ...process.env, RUNSTREAM_API_URL: stack.api.url, RUNSTREAM_API_KEY: testApiKey };
    const cases: [string[], RegExp][] = [
      [['run', 'hi', '--model', 'nope:x'], /^runstream: --model: unknown model "nope:x"/],
      [['run', 'hi', '--tools', 'calculator,rm_rf'], /^runstream: 400 invalid_request: tools: unknown tool "rm_rf"/],
      [['run', 'hi', '--max-steps', '0'], /^runstream: 400 invalid_request: maxSteps: maxSteps must be at least 1/],
      [['run'], /^runstream: missing prompt/],
      [['watch', 'run_x', '--after', 'yesterday'], /^runstream: --after: expected an event id/],
    ];
    for (const [args, expected] of cases) {
      const failure = await run('node', ['bin/runstream.js', ...args], { env }).then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failure?.code, args.join(' ')).toBe(2);
      expect(failure?.stderr.split('\n')[0], args.join(' ')).toMatch(expected);
    }
    const badEnv = await run('node', ['bin/runstream.js', 'run', 'hi'], { env: { ...env, RUNSTREAM_API_URL: 'not a url' } }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(badEnv?.stderr.trim()).toBe('runstream: RUNSTREAM_API_URL must be a URL, e.g. http://127.0.0.1:8787');
    expect(await workflowsOnQueue()).toBe(0);
  });
});
