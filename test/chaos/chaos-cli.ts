import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { Redis } from 'ioredis';
import { startLlmServer } from '../../src/demo/llm-server.js';
import { startRedisServer, startTemporalDevServer } from '../../src/services/local-services.js';
import { ensureBinaries } from '../../src/services/setup.js';
import { workflowsPath } from '../../src/temporal.js';
import { formatReport, runChaos } from './chaos-harness.js';

/**
 * `npm run chaos -- --kills 100`: the chaos suite on its own servers (a
 * Temporal dev server, a redis-server and the local LLM server), with a
 * report of what the kills cost.
 */
const { values } = parseArgs({ options: { kills: { type: 'string', default: '100' }, runs: { type: 'string', default: '3' }, quiet: { type: 'boolean' } } });
const kills = Number(values.kills);
if (!Number.isInteger(kills) || kills < 1) throw new Error('--kills must be a positive integer');

const binaries = ensureBinaries({ temporal: true, redis: true });
const scratch = mkdtempSync(join(tmpdir(), 'runstream-chaos-'));
const logDir = join(scratch, 'logs');
const [temporal, redis, llm, bundle] = await Promise.all([
  startTemporalDevServer({ logDir, cli: binaries.temporal as string }),
  startRedisServer({ logDir, binary: binaries.redis as string }),
  startLlmServer(),
  bundleWorkflowCode({ workflowsPath, logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} } }),
]);
const bundlePath = join(scratch, 'workflow-bundle.js');
writeFileSync(bundlePath, bundle.code);
const connection = await Connection.connect({ address: temporal.address });
const commands = new Redis(redis.address);
const subscriber = new Redis(redis.address);
try {
  const report = await runChaos({
    kills,
    concurrentRuns: Number(values.runs),
    temporal: new Client({ connection }),
    redis: { commands, subscriber },
    registerScript: async (name, script) => llm.registerScript(name, script),
    taskQueue: 'chaos',
    keyPrefix: 'chaos:',
    workerEnv: {
      TEMPORAL_ADDRESS: temporal.address,
      REDIS_URL: redis.address,
      RUNSTREAM_TASK_QUEUE: 'chaos',
      RUNSTREAM_KEY_PREFIX: 'chaos:',
      OPENAI_API_KEY: 'chaos',
      OPENAI_BASE_URL: llm.openaiBaseURL,
      OPENAI_CONTINUE_FINAL_MESSAGE: 'true',
      RUNSTREAM_DEMO_URL: llm.url,
      CHAOS_WORKFLOW_BUNDLE: bundlePath,
    },
    ...(values.quiet ? {} : { log: (line: string) => process.stderr.write(`${line}\n`) }),
  });
  process.stdout.write(`${formatReport(report)}\n`);
  const failed = report.runs.filter((run) => !run.completed || !run.viewerMatchesTranscript || !run.reasoningMatchesTranscript || !run.transcriptMatchesScript);
  for (const run of failed) process.stdout.write(`run ${run.runId}: ${JSON.stringify(run)}\n`);
  process.exitCode = failed.length || report.toolEffectsDuplicated ? 1 : 0;
} finally {
  commands.disconnect();
  subscriber.disconnect();
  await connection.close();
  await llm.close();
  if (!process.env.CHAOS_KEEP_SERVERS) await Promise.all([temporal.stop(), redis.stop()]);
  else process.stderr.write(`servers kept: temporal ${temporal.address}, redis ${redis.address}; logs in ${logDir}\n`);
}
