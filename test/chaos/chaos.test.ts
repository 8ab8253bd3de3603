import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { formatReport, runChaos } from './chaos-harness.js';
import { registerScript } from '../support/test-stack.js';

describe('chaos: a worker SIGKILLed mid-stream and mid-tool, again and again', () => {
  let connection: Connection;
  let commands: Redis;
  let subscriber: Redis;
  beforeAll(async () => {
    connection = await Connection.connect({ address: inject('temporalAddress') });
    commands = new Redis(inject('redisUrl'));
    subscriber = new Redis(inject('redisUrl'));
  });
  afterAll(async () => {
    commands?.disconnect();
    subscriber?.disconnect();
    await connection?.close();
  });

  it('every run completes, viewers end with exactly the transcript (text and reasoning), the transcript is the script, tools ran once', async () => {
    const suffix = randomBytes(4).toString('hex');
    const taskQueue = `chaos-${suffix}`;
    const keyPrefix = `test:chaos:${suffix}:`;
    const report = await runChaos({
      kills: Number(process.env.CHAOS_KILLS ?? 10),
      temporal: new Client({ connection }),
      redis: { commands, subscriber },
      registerScript: async (name, script) => {
        await registerScript(script, name);
      },
      taskQueue,
      keyPrefix,
      log: (line) => console.log(line),
      workerEnv: {
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        REDIS_URL: inject('redisUrl'),
        RUNSTREAM_TASK_QUEUE: taskQueue,
        RUNSTREAM_KEY_PREFIX: keyPrefix,
        OPENAI_API_KEY: 'llm-test-key',
        OPENAI_BASE_URL: `${inject('llmUrl')}/v1`,
        OPENAI_CONTINUE_FINAL_MESSAGE: 'true',
        RUNSTREAM_DEMO_URL: inject('llmUrl'),
        CHAOS_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
      },
    });
    console.log(formatReport(report));
    expect(report.kills.total).toBeGreaterThanOrEqual(10);
    for (const run of report.runs) {
      expect(run, run.runId).toMatchObject({ completed: true, viewerMatchesTranscript: true, reasoningMatchesTranscript: true, transcriptMatchesScript: true, charactersLost: 0, charactersDuplicated: 0 });
      // O(steps): two model steps, two tool calls, lifecycle events, and a few workflow tasks per kill; never per token.
      expect(run.historyEvents).toBeLessThanOrEqual(120);
    }
    expect(report.toolEffectsDuplicated).toBe(0);
  }, 240_000);
});
