import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { startLlmServer } from '../../src/demo/llm-server.js';
import { ensureBinaries } from '../../src/services/setup.js';
import { startRedisServer, startTemporalDevServer, type LocalService } from '../../src/services/local-services.js';
import { workflowsPath } from '../../src/temporal.js';

/**
 * One real Temporal dev server, one real redis-server and one local LLM
 * server for the whole suite; each test file brings its own worker, task
 * queue and Redis key prefix. Missing binaries are installed first.
 */
export default async function setup(project: TestProject) {
  const binaries = ensureBinaries({ temporal: true, redis: true });
  const scratch = mkdtempSync(join(tmpdir(), 'runstream-test-'));
  const logDir = join(scratch, 'logs');
  const [temporal, redis, llm, bundle] = await Promise.all([
    startTemporalDevServer({ logDir, cli: binaries.temporal as string }),
    startRedisServer({ logDir, binary: binaries.redis as string }),
    startLlmServer(),
    bundleWorkflowCode({ workflowsPath, logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} } }),
  ]);
  const workflowBundlePath = join(scratch, 'workflow-bundle.js');
  writeFileSync(workflowBundlePath, bundle.code);

  project.provide('temporalAddress', temporal.address);
  project.provide('redisUrl', redis.address);
  project.provide('llmUrl', llm.url);
  project.provide('workflowBundlePath', workflowBundlePath);
  project.provide('temporalCli', binaries.temporal as string);

  const services: LocalService[] = [temporal, redis];
  return async () => {
    await llm.close();
    await Promise.all(services.map((service) => service.stop()));
  };
}
