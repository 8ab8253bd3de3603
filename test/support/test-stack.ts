import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { inject } from 'vitest';
import { createClient } from '../../src/client/index.js';
import { readEnv, type Env } from '../../src/config.js';
import type { ScriptInput } from '../../src/demo/script.js';
import { startApiProcess, type ApiProcess } from '../../src/processes/api-process.js';
import { startWorkerProcess, type WorkerProcess, type WorkerProcessOptions } from '../../src/processes/worker-process.js';
import { testBlobDir } from './run-results.js';

export { runResultOf, testTranscripts, transcriptOf } from './run-results.js';

export const testApiKey = 'test-api-key';

let cachedBundle: { code: string } | undefined;
export const workflowBundle = () => (cachedBundle ??= { code: readFileSync(inject('workflowBundlePath'), 'utf8') });

export type StackEnv = Env & { TEMPORAL_ADDRESS: string; REDIS_URL: string };

/** The environment a test file's processes run with: shared servers, its own task queue and key prefix. */
export function testEnv(name: string, overrides: Record<string, string> = {}): StackEnv {
  const suffix = randomBytes(4).toString('hex');
  const env = readEnv({
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    REDIS_URL: inject('redisUrl'),
    RUNSTREAM_TASK_QUEUE: `test-${name}-${suffix}`,
    RUNSTREAM_KEY_PREFIX: `test:${name}:${suffix}:`,
    RUNSTREAM_API_KEYS: testApiKey,
    RUNSTREAM_DEMO_URL: inject('llmUrl'),
    OPENAI_API_KEY: 'llm-test-key',
    OPENAI_BASE_URL: `${inject('llmUrl')}/v1`,
    ANTHROPIC_API_KEY: 'llm-test-key',
    ANTHROPIC_BASE_URL: `${inject('llmUrl')}/v1`,
    RUNSTREAM_BLOB_DIR: testBlobDir,
    ...overrides,
  });
  return env as StackEnv;
}

/**
 * The environment of a chaos worker (a real worker process the test can SIGKILL) serving this stack: its queue,
 * key prefix and blob store (the worker and the API read the same transcripts), the suite's LLM server, the
 * prebuilt workflow bundle.
 */
export function childWorkerEnv(stack: TestStack, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: stack.env.TEMPORAL_ADDRESS,
    REDIS_URL: stack.env.REDIS_URL,
    RUNSTREAM_TASK_QUEUE: stack.env.RUNSTREAM_TASK_QUEUE,
    RUNSTREAM_KEY_PREFIX: stack.env.RUNSTREAM_KEY_PREFIX,
    RUNSTREAM_BLOB_DIR: testBlobDir,
    OPENAI_API_KEY: 'llm-test-key',
    OPENAI_BASE_URL: `${inject('llmUrl')}/v1`,
    RUNSTREAM_DEMO_URL: inject('llmUrl'),
    CHAOS_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
    ...overrides,
  };
}

/** Registers a script on the local LLM server under a fresh model name; returns that name. */
export async function registerScript(script: ScriptInput, name = `script-${randomBytes(6).toString('hex')}`): Promise<string> {
  const response = await fetch(`${inject('llmUrl')}/__scripts/${name}`, { method: 'PUT', body: JSON.stringify(script) });
  if (!response.ok) throw new Error(`registering script failed: ${await response.text()}`);
  return name;
}

export interface TestStack {
  env: StackEnv;
  api: ApiProcess;
  /** Undefined until started, with `deferWorker`. */
  worker: WorkerProcess | undefined;
  startWorker(): Promise<WorkerProcess>;
  client: ReturnType<typeof createClient>;
  temporal: Client;
  stop(): Promise<void>;
}

/** A worker and an API process in this test file, against the suite's real servers. */
export async function startTestStack(
  name: string,
  options: WorkerProcessOptions & { env?: Record<string, string>; deferWorker?: boolean } = {},
): Promise<TestStack> {
  const env = testEnv(name, options.env);
  let workerRun: Promise<void> | undefined;
  const startWorker = async () => {
    const { env: _env, deferWorker: _defer, worker: tuning, ...rest } = options;
    const worker = await startWorkerProcess(env, { log: () => undefined, ...rest, worker: { workflowBundle: workflowBundle(), ...tuning } });
    workerRun = worker.run();
    stack.worker = worker;
    return worker;
  };
  const api = await startApiProcess(env, { port: 0 });
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
  const stack: TestStack = {
    env,
    api,
    worker: undefined,
    startWorker,
    client: createClient({ url: api.url, apiKey: testApiKey, reconnectDelayMs: 100 }),
    temporal,
    stop: async () => {
      await api.close();
      if (stack.worker?.worker.getState() === 'RUNNING') stack.worker.worker.shutdown();
      await workerRun;
      await connection.close();
    },
  };
  if (!options.deferWorker) await startWorker();
  return stack;
}

/** `POST /v1/runs` with the test key and a raw body (a string is sent as is, so tests can send broken JSON). */
export function postRunBody(stack: TestStack, body: unknown): Promise<Response> {
  return fetch(`${stack.api.url}/v1/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${testApiKey}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** How many workflows this stack's task queue has seen: a rejected request must leave the count unchanged. */
export async function countWorkflowsOnQueue(stack: TestStack): Promise<number> {
  let count = 0;
  for await (const _ of stack.temporal.workflow.list({ query: `TaskQueue = '${stack.env.RUNSTREAM_TASK_QUEUE}'` })) count++;
  return count;
}
