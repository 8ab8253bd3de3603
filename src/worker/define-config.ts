import type { RunstreamConfig } from './config-schema.js';

/** What `runstream.config.ts` default-exports: the tools, agents and MCP servers a worker serves. */
export function defineConfig<const Config extends RunstreamConfig>(config: Config): Config {
  return config;
}
