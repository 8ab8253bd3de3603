import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startLlmServer, type LlmServer } from '../../src/demo/llm-server.js';
import { startRedisServer, startTemporalDevServer, type LocalService } from '../../src/services/local-services.js';
import { ensureBinaries } from '../../src/services/setup.js';
import { workflowsPath } from '../../src/temporal.js';

export interface SuiteServers {
  temporal: LocalService;
  redis: LocalService;
  llm: LlmServer;
  temporalCli: string;
  /** The workflow bundle, built once and shared by every worker of the suite. */
  workflowBundlePath: string;
  stop(): Promise<void>;
}

const quiet = { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} };

/**
 * A real Temporal dev server, a real redis-server and the local LLM server on
 * free ports, plus the workflow bundle: what the test suite and the chaos CLI
 * run against. Missing binaries are installed first.
 */
export async function startSuiteServers(name: string): Promise<SuiteServers> {
  const binaries = ensureBinaries({ temporal: true, redis: true });
  const scratch = mkdtempSync(join(tmpdir(), `runstream-${name}-`));
  const logDir = join(scratch, 'logs');
  const [temporal, redis, llm, bundle] = await Promise.all([
    startTemporalDevServer({ logDir, cli: binaries.temporal as string }),
    startRedisServer({ logDir, binary: binaries.redis as string }),
    startLlmServer(),
    bundleWorkflowCode({ workflowsPath, logger: quiet }),
  ]);
  const workflowBundlePath = join(scratch, 'workflow-bundle.js');
  writeFileSync(workflowBundlePath, bundle.code);
  return {
    temporal,
    redis,
    llm,
    temporalCli: binaries.temporal as string,
    workflowBundlePath,
    stop: async () => {
      await llm.close();
      await Promise.all([temporal.stop(), redis.stop()]);
    },
  };
}
