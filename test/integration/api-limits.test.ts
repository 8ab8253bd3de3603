import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, RunstreamApiError } from '../../src/client/index.js';
import { startApiProcess, type ApiProcess } from '../../src/processes/api-process.js';
import { registerScript, startTestStack, testApiKey, type TestStack } from '../support/test-stack.js';

describe('limits: body size, validation, rate and concurrency per key, idempotency', () => {
  let stack: TestStack;
  const extraApis: ApiProcess[] = [];
  // Separate keys give separate counters, so the limited cases do not disturb one another.
  const rateKey = 'rate-limited-key';
  const concurrencyKey = 'concurrency-limited-key';
  let quickModel: string;
  beforeAll(async () => {
    stack = await startTestStack('api-limits', { env: { RUNSTREAM_API_KEYS: `${testApiKey},${rateKey},${concurrencyKey}` } });
    quickModel = `openai:${await registerScript({ turns: [{ text: 'ok' }] })}`;
  });
  afterAll(async () => {
    for (const api of extraApis) await api.close();
    await stack?.stop();
  });

  const post = (url: string, body: string, key = testApiKey) =>
    fetch(`${url}/v1/runs`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });

  it('413 above 32 MiB, before anything starts; 400 with field paths for a bad body', async () => {
    const large = await post(stack.api.url, JSON.stringify({ input: 'x'.repeat(32 * 1024 * 1024) }));
    expect(large.status).toBe(413);
    expect(await large.json()).toMatchObject({ error: { type: 'payload_too_large' } });
    const bad = await post(stack.api.url, JSON.stringify({ input: 42, maxSteps: 'many' }));
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { type: string; issues: { path: string }[] } };
    expect(body.error.type).toBe('invalid_request');
    expect(body.error.issues.map((issue) => issue.path)).toEqual(expect.arrayContaining(['input', 'maxSteps']));
  });

  it('429 with Retry-After past the per-key rate, counted in Redis across API processes', async () => {
    // Two API processes share the counter: the limit holds for the key, not per process.
    for (let index = 0; index < 2; index++) {
      extraApis.push(await startApiProcess(stack.env, { port: 0, limits: { ratePerWindow: 3, windowSeconds: 60 } }));
    }
    const [first, second] = extraApis as [ApiProcess, ApiProcess];
    const body = JSON.stringify({ input: 'rate', model: quickModel, tools: [] });
    const answers = [await post(first.url, body, rateKey), await post(second.url, body, rateKey), await post(first.url, body, rateKey)];
    expect(answers.map((response) => response.status)).toEqual([201, 201, 201]);
    const limited = await post(second.url, body, rateKey);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await limited.json()).toMatchObject({ error: { type: 'rate_limited' } });
    // Another key is not affected.
    expect((await post(second.url, body, testApiKey)).status).toBe(201);
  });

  it('caps concurrent runs per key; a run that ends gives its slot back', async () => {
    const api = await startApiProcess(stack.env, { port: 0, limits: { maxConcurrentRuns: 2 } });
    extraApis.push(api);
    const client = createClient({ url: api.url, apiKey: concurrencyKey });
    const slow = `openai:${await registerScript({ turns: [{ text: 'slow '.repeat(250), delayMs: 20 }] })}`;
    const a = await client.enqueue({ input: 'a', model: slow, tools: [] });
    const b = await client.enqueue({ input: 'b', model: slow, tools: [] });
    const refused = await client.enqueue({ input: 'c', model: slow, tools: [] }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RunstreamApiError);
    expect((refused as RunstreamApiError).status).toBe(429);
    // The run's final publish gives its slot back: no check against Temporal (the refusal above just used the key's one).
    await client.cancel(a.id);
    await stack.temporal.workflow.getHandle(a.id).result().catch(() => undefined);
    // An idempotent retry of a run already counted is not a new run.
    const keyed = { input: 'again', model: slow, tools: [], idempotencyKey: 'cap-retry' };
    const c = await client.enqueue(keyed);
    expect((await client.enqueue(keyed)).id).toBe(c.id);
    for (const id of [b.id, c.id]) await stack.temporal.workflow.getHandle(id).terminate('test: cleanup');
  });

  it('20 concurrent identical enqueues with one idempotency key create one run', async () => {
    const body = JSON.stringify({ input: 'once', model: quickModel, tools: [], idempotencyKey: 'same-key-20' });
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(stack.api.url, body)));
    expect(answers.map((response) => response.status)).toEqual(Array(20).fill(201));
    const ids = new Set(await Promise.all(answers.map(async (response) => ((await response.json()) as { id: string }).id)));
    expect(ids.size).toBe(1);
    const [id] = [...ids] as [string];
    await stack.client.result(id);
    const executions: string[] = [];
    for await (const execution of stack.temporal.workflow.list({ query: `WorkflowId = '${id}'` })) executions.push(execution.runId);
    expect(executions).toHaveLength(1);
    // After it finished, the same key still answers the same run rather than starting another.
    const again = await post(stack.api.url, body);
    expect(((await again.json()) as { id: string }).id).toBe(id);
  });
});
