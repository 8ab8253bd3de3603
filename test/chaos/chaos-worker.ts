import { readFileSync } from 'node:fs';
import { readEnv } from '../../src/config.js';
import { startWorkerProcess } from '../../src/processes/worker-process.js';
import { connectRedis } from '../../src/redis.js';
import { chaosTools } from './chaos-tools.js';

/**
 * The worker the chaos suite kills: the real worker process with the chaos
 * tools, a prebuilt workflow bundle and a short sticky-queue timeout, so a
 * killed worker's workflow tasks move to its successor within a second.
 * Prints "ready" once it polls.
 */
const env = readEnv();
if (!env.TEMPORAL_ADDRESS || !env.REDIS_URL) throw new Error('TEMPORAL_ADDRESS and REDIS_URL are required');
const bundlePath = process.env.CHAOS_WORKFLOW_BUNDLE;
const toolRedis = connectRedis(env.REDIS_URL, 'commands', env.REDIS_CLUSTER_NODES);
const worker = await startWorkerProcess(
  { ...env, TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS, REDIS_URL: env.REDIS_URL },
  {
    tools: chaosTools(toolRedis, env.RUNSTREAM_KEY_PREFIX, Number(process.env.CHAOS_TOOL_DELAY_MS ?? 800)),
    worker: {
      ...(bundlePath ? { workflowBundle: { code: readFileSync(bundlePath, 'utf8') } } : {}),
      stickyQueueScheduleToStartTimeout: '1 second',
      shutdownGraceTime: '1 second',
      identity: `chaos-worker-${process.pid}`,
    },
  },
);
const running = worker.run();
process.stdout.write('ready\n');
process.once('SIGTERM', () => worker.worker.shutdown());
await running;
toolRedis.disconnect();
