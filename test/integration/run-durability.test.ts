import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ServedRequest } from '../../src/demo/llm-server.js';
import { progressQuery } from '../../workflows/definitions.js';
import { postRunBody, registerScript, startTestStack, type TestStack } from '../support/test-stack.js';

/** `durability` in `POST /v1/runs`: bounded by zod, passed to the workflow, and it changes how the run retries. */
describe('per-run durability settings over HTTP', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('run-durability');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const post = (body: unknown) => postRunBody(stack, body);

  it.each([
    [{ heartbeatTimeoutMs: 10 }, 'durability.heartbeatTimeoutMs', /at least 1000/],
    [{ modelStepMaxAttempts: 1_000 }, 'durability.modelStepMaxAttempts', /at most 20/],
    [{ toolMaxAttempts: 0 }, 'durability.toolMaxAttempts', /at least 1/],
    [{ retryInitialIntervalMs: 1.5 }, 'durability.retryInitialIntervalMs', /whole number/],
    [{ publishTimeoutMs: '1m' }, 'durability.publishTimeoutMs', /number/],
    [{ retries: 3 }, 'durability', /retries/],
  ])('rejects durability %j with a 400 naming %s', async (durability, path, message) => {
    const response = await post({ input: 'hi', model: 'openai:any', durability });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { type: string; message: string; issues: { path: string }[] } };
    expect(body.error.type).toBe('invalid_request');
    expect(body.error.issues.map((issue) => issue.path)).toContain(path);
    expect(body.error.message).toMatch(message);
  });

  it('passes the settings to the run: one model-step attempt fails the run after a single provider error', async () => {
    const model = await registerScript({ turns: [{ text: 'never said' }], failures: [{ status: 500, message: 'down' }, { status: 500, message: 'down' }] });
    const durability = { modelStepMaxAttempts: 1, heartbeatTimeoutMs: 5_000, retryInitialIntervalMs: 100 };
    const run = await stack.client.enqueue({ input: 'hi', model: `openai:${model}`, tools: [], durability });
    await expect(stack.client.result(run.id)).rejects.toMatchObject({ name: 'RunFailedError' });
    const handle = stack.temporal.workflow.getHandle(run.id);
    await handle.result().catch(() => undefined);
    expect((await handle.query(progressQuery)).settings).toMatchObject({ durability });
    const served = ((await (await fetch(`${inject('llmUrl')}/__requests`)).json()) as ServedRequest[]).filter((request) => request.model === model);
    // The default policy would have tried six times; the run asked for one.
    expect(served).toHaveLength(1);
  });
});
