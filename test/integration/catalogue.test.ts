import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CataloguePublisher } from '../../src/catalogue/catalogue-publisher.js';
import { startApiProcess, type ApiProcess } from '../../src/processes/api-process.js';
import { startWorkerProcess, type WorkerProcess } from '../../src/processes/worker-process.js';
import { defineTool, type Tool } from '../../src/tools/tool.js';
import { countWorkflowsOnQueue, postRunBody, startTestStack, testApiKey, workflowBundle, type TestStack } from '../support/test-stack.js';

const search = (description: string): Tool =>
  defineTool({ name: 'search', description, parameters: z.object({ q: z.string() }), retry: 'idempotent', execute: async ({ q }) => `found ${q}` });

type ToolsAnswer = {
  tools: { name: string; workers: number }[];
  workers: number;
  conflicts: { kind: string; name: string; workers: string[][] }[];
};

describe('the catalogue: what live workers serve, shared by every API process', () => {
  let stack: TestStack;
  let second: ApiProcess | undefined;
  beforeAll(async () => {
    stack = await startTestStack('catalogue', { deferWorker: true });
  });
  afterAll(async () => {
    await second?.close();
    await stack?.stop();
  });

  const toolsOf = async (url = stack.api.url) =>
    (await (await fetch(`${url}/v1/tools`, { headers: { authorization: `Bearer ${testApiKey}` } })).json()) as ToolsAnswer;
  const startWorker = async (tools: Tool[]): Promise<{ process: WorkerProcess; done: Promise<void> }> => {
    const process = await startWorkerProcess(stack.env, { tools, log: () => undefined, worker: { workflowBundle: workflowBundle() } });
    return { process, done: process.run() };
  };

  it('before any worker: a run naming no tools waits in the queue; naming a tool is 503, nothing started', async () => {
    expect(await toolsOf()).toMatchObject({ tools: [], workers: 0 });
    const queued = await stack.client.enqueue({ input: 'What is 6*7?', model: 'demo' });
    expect(queued.status).toBe('queued');
    const response = await postRunBody(stack, { input: 'hi', tools: ['calculator'] });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    const json = (await response.json()) as { error: { type: string; issues: { path: string; message: string }[] } };
    expect(json.error.type).toBe('unavailable');
    expect(json.error.issues[0]).toMatchObject({ path: 'tools', message: expect.stringContaining('no worker is live on task queue') });
    expect(await countWorkflowsOnQueue(stack)).toBe(1);

    // The queued run gets the built-in tools and runs once a worker comes.
    const worker = await startWorker([]);
    try {
      const result = await stack.client.result(queued.id);
      expect(result.output).toContain('42');
    } finally {
      worker.process.worker.shutdown();
      await worker.done;
    }
  });

  it('two workers with different definitions under one name: reported, 409 at enqueue naming it; a second API process agrees', async () => {
    const a = await startWorker([search('Searches the wiki.')]);
    const b = await startWorker([search('Searches the web.')]);
    try {
      second = await startApiProcess(stack.env, { port: 0 });
      for (const url of [stack.api.url, second.url]) {
        const answer = await toolsOf(url);
        expect(answer.workers).toBe(2);
        expect(answer.tools.map((tool) => [tool.name, tool.workers])).toEqual([
          ['calculator', 2],
          ['current_time', 2],
        ]);
        expect(answer.conflicts).toEqual([{ kind: 'tool', name: 'search', workers: [[a.process.catalogueId], [b.process.catalogueId]].sort() }]);
      }
      const before = await countWorkflowsOnQueue(stack);
      const response = await postRunBody(stack, { input: 'hi', tools: ['search'] });
      expect(response.status).toBe(409);
      const json = (await response.json()) as { error: { type: string; issues: { path: string; message: string }[] } };
      expect(json.error).toMatchObject({ type: 'conflict', issues: [{ path: 'tools', message: expect.stringContaining('different definitions of tool "search"') }] });
      expect(await countWorkflowsOnQueue(stack)).toBe(before);

      // One of them stops: its entry is withdrawn at once, the other's definition stands.
      b.process.worker.shutdown();
      await b.done;
      const answer = await toolsOf(second.url);
      expect(answer).toMatchObject({ workers: 1, conflicts: [] });
      expect(answer.tools.map((tool) => tool.name)).toContain('search');
      expect((await postRunBody(stack, { input: 'hi', tools: ['search'], model: 'demo' })).status).toBe(201);
    } finally {
      a.process.worker.shutdown();
      await a.done;
    }
    // No worker left: a tool it served is no longer served.
    expect((await postRunBody(stack, { input: 'hi', tools: ['search'] })).status).toBe(503);
  });

  it('a worker that dies without withdrawing drops out once its entry is older than the TTL', async () => {
    const redis = new Redis(stack.env.REDIS_URL);
    const api = await startApiProcess(stack.env, { port: 0, catalogueTtlMs: 1_000 });
    try {
      const crashed = new CataloguePublisher(redis, { keyPrefix: stack.env.RUNSTREAM_KEY_PREFIX, taskQueue: stack.env.RUNSTREAM_TASK_QUEUE, timing: { refreshMs: 60_000, ttlMs: 1_000 } });
      const tool = { name: 'ghost', description: 'x', parameters: { type: 'object' }, source: 'config' as const, needsApproval: false, retry: 'idempotent' as const };
      await crashed.publish({ tools: [tool], agents: [], mcpServers: [] });
      expect((await toolsOf(api.url)).tools.map((entry) => entry.name)).toEqual(['ghost']);
      // It never refreshes (its process is gone); nothing withdraws it.
      await sleep(1_100);
      await vi.waitFor(async () => expect(await toolsOf(api.url)).toMatchObject({ tools: [], workers: 0 }), { timeout: 20_000 });
      await crashed.stop();
    } finally {
      await api.close();
      redis.disconnect();
    }
  });
});
