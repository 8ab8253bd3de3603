/**
 * `runstream/worker`: what a tool author and a process embedding a worker need.
 * `runstream worker` is `startWorker()` with the process environment.
 */
import { readEnv, requireServers } from '../config.js';
import { startWorkerProcess, type WorkerProcess } from '../processes/worker-process.js';
import type { RunstreamConfig } from './config-schema.js';
import { loadConfig, validateConfig } from './load-config.js';

export { defineTool, type Tool, type ToolContext, type ToolRetry } from '../tools/tool.js';
export { defineAgent, type AgentDefinition, type RunBudget } from '../agents/agent.js';
export { defineConfig } from './define-config.js';
export type { RunstreamConfig } from './config-schema.js';
export type { McpServerConfig, McpHttpServer, McpStdioServer } from '../mcp/mcp-server-config.js';
export type { ModelSettings } from '../providers/language-model.js';
export { ConfigError } from '../config.js';
export type { WorkerProcess } from '../processes/worker-process.js';

export interface StartWorkerOptions {
  /**
   * Where the settings come from (default `process.env`): `TEMPORAL_ADDRESS`,
   * `REDIS_URL`, `RUNSTREAM_TASK_QUEUE`, `RUNSTREAM_CONFIG`, provider keys, as for `runstream worker`.
   */
  env?: NodeJS.ProcessEnv;
  /** The tools, agents and MCP servers to serve; default: the config file `runstream worker` would load. */
  config?: RunstreamConfig;
  /** A config file to load instead of looking in the working directory. */
  configPath?: string;
}

/**
 * Connects a Temporal worker for the task queue, serving the built-in tools
 * plus the config's. Await `run()` to keep it polling; it stops on SIGINT or
 * SIGTERM, or when `worker.shutdown()` is called, and closes its connections after.
 */
export async function startWorker(options: StartWorkerOptions = {}): Promise<WorkerProcess> {
  const env = requireServers(readEnv(options.env));
  const config = options.config
    ? validateConfig(options.config, 'startWorker config')
    : await loadConfig({ path: options.configPath, ...(options.env ? { env: options.env } : {}) });
  return startWorkerProcess(env, config ? { config } : {});
}
