/**
 * `runstream/worker`: what a tool author and a process embedding a worker need.
 * `runstream worker` is `startWorker()` with the process environment.
 */
import { readEnv, requireServers } from '../config.js';
import { startWorkerProcess, type WorkerProcess } from '../processes/worker-process.js';

export { defineTool, type Tool, type ToolContext } from '../tools/tool.js';
export { ConfigError } from '../config.js';
export type { WorkerProcess } from '../processes/worker-process.js';

export interface StartWorkerOptions {
  /**
   * Where the settings come from (default `process.env`): `TEMPORAL_ADDRESS`,
   * `REDIS_URL`, `RUNSTREAM_TASK_QUEUE`, provider keys, as for `runstream worker`.
   */
  env?: NodeJS.ProcessEnv;
}

/**
 * Connects a Temporal worker for the task queue, serving the built-in tools.
 * Await `run()` to keep it polling; it stops on SIGINT or SIGTERM, or when
 * `worker.shutdown()` is called, and closes its connections after.
 */
export async function startWorker(options: StartWorkerOptions = {}): Promise<WorkerProcess> {
  return startWorkerProcess(requireServers(readEnv(options.env)));
}
