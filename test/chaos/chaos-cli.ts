import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { Redis } from 'ioredis';
import { startSuiteServers } from '../support/suite-servers.js';
import { formatReport, runChaos } from './chaos-harness.js';

/**
 * `npm run chaos -- --kills 100`: the chaos suite on its own servers (a
 * Temporal dev server, a redis-server and the local LLM server), with a
 * report of what the kills cost.
 */
const { values } = parseArgs({ options: { kills: { type: 'string', default: '100' }, runs: { type: 'string', default: '3' }, quiet: { type: 'boolean' } } });
const kills = Number(values.kills);
if (!Number.isInteger(kills) || kills < 1) throw new Error('--kills must be a positive integer');

const servers = await startSuiteServers('chaos');
const { temporal, redis, llm } = servers;
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
      CHAOS_WORKFLOW_BUNDLE: servers.workflowBundlePath,
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
  if (!process.env.CHAOS_KEEP_SERVERS) await servers.stop();
  else {
    await llm.close();
    process.stderr.write(`servers kept: temporal ${temporal.address}, redis ${redis.address}\n`);
  }
}
