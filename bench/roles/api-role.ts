import { readEnv } from '../../src/config.js';
import { startApiProcess } from '../../src/processes/api-process.js';
import type { Role } from './main.js';
import { probeHandlers } from './probe.js';

/** A runstream API process, started as `runstream api` starts it; enqueue limits out of the way of the load. */
export async function start(): Promise<Role> {
  const env = readEnv();
  if (!env.TEMPORAL_ADDRESS || !env.REDIS_URL) throw new Error('the API role needs TEMPORAL_ADDRESS and REDIS_URL');
  const api = await startApiProcess(
    { ...env, TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS, REDIS_URL: env.REDIS_URL },
    { port: 0, limits: { ratePerWindow: 1_000_000, maxConcurrentRuns: 1_000_000 } },
  );
  return { ready: { url: api.url }, handlers: { ...probeHandlers(), liveStats: () => api.liveStats() } };
}
