import type { Worker } from '@temporalio/worker';
import { RunLog } from '../bus/run-log.js';
import type { Env } from '../config.js';
import { createModelResolver } from '../models.js';
import { connectRedis } from '../redis.js';
import { builtinTools } from '../tools/builtin.js';
import { ToolRegistry, type Tool } from '../tools/tool.js';
import { createRunstreamWorker, type RunstreamWorkerOptions } from '../worker/create-worker.js';
import { lazyDemoServer } from './demo-model.js';

export interface WorkerProcess {
  worker: Worker;
  /** Runs until the worker shuts down; closes its connections after. */
  run(): Promise<void>;
}

export interface WorkerProcessOptions {
  /** Tools beyond the built-in ones, registered by name. */
  tools?: Tool[] | undefined;
  /** Worker tuning passed through (tests: a prebuilt bundle, short sticky timeouts). */
  worker?: Pick<
    RunstreamWorkerOptions,
    | 'workflowBundle'
    | 'stickyQueueScheduleToStartTimeout'
    | 'shutdownGraceTime'
    | 'identity'
    | 'publishFlushTimeoutMs'
    | 'timeouts'
    | 'checkpoint'
    | 'maxHeartbeatThrottleInterval'
  >;
}

export async function startWorkerProcess(
  env: Env & { TEMPORAL_ADDRESS: string; REDIS_URL: string },
  options: WorkerProcessOptions = {},
): Promise<WorkerProcess> {
  const redis = connectRedis(env.REDIS_URL, 'commands');
  const demo = lazyDemoServer(env.RUNSTREAM_DEMO_URL);
  const worker = await createRunstreamWorker({
    temporal: { address: env.TEMPORAL_ADDRESS, namespace: env.TEMPORAL_NAMESPACE, taskQueue: env.RUNSTREAM_TASK_QUEUE },
    log: new RunLog(redis, { keyPrefix: env.RUNSTREAM_KEY_PREFIX }),
    resolveModel: createModelResolver({ env, demoBaseURL: demo.baseURL }),
    tools: new ToolRegistry([...builtinTools, ...(options.tools ?? [])]),
    ...options.worker,
  });
  return {
    worker,
    run: async () => {
      try {
        await worker.run();
      } finally {
        await demo.close();
        redis.disconnect();
      }
    },
  };
}
