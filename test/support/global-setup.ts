import { spawnSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { startSuiteServers } from './suite-servers.js';

/**
 * One real Temporal dev server, one real redis-server and one local LLM
 * server for the whole suite; each test file brings its own worker, task
 * queue and Redis key prefix.
 */
export default async function setup(project: TestProject) {
  // Tests that spawn the CLI or install the package run dist/: bring it up to date (`npm test` has, in pretest).
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');
  const servers = await startSuiteServers('test');
  project.provide('temporalAddress', servers.temporal.address);
  project.provide('redisUrl', servers.redis.address);
  project.provide('llmUrl', servers.llm.url);
  project.provide('workflowBundlePath', servers.workflowBundlePath);
  project.provide('temporalCli', servers.temporalCli);
  return () => servers.stop();
}
