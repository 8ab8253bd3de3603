import { readEnv } from '../../src/config.js';
import { startWorkerProcess } from '../../src/processes/worker-process.js';
import type { Role } from './main.js';
import { probeHandlers } from './probe.js';

/** A runstream worker, started as `runstream worker` starts it, from the environment. */
export async function start(): Promise<Role> {
  const env = readEnv();
  if (!env.TEMPORAL_ADDRESS || !env.REDIS_URL) throw new Error('the worker role needs TEMPORAL_ADDRESS and REDIS_URL');
  const worker = await startWorkerProcess({ ...env, TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS, REDIS_URL: env.REDIS_URL });
  void worker.run();
  return { ready: {}, handlers: probeHandlers() };
}
