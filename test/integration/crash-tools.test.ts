import { randomBytes } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { createToolCall } from '../../activities/tool-call.js';
import { RunLog } from '../../src/bus/run-log.js';
import type { ToolMessage } from '../../src/protocol/messages.js';
import { serveTool } from '../../src/tools/served-tool.js';
import { defineTool, type ToolContext } from '../../src/tools/tool.js';
import { ToolRegistry } from '../../src/tools/tool-registry.js';
import { testTranscripts } from '../support/test-stack.js';

/**
 * Tool policies when a worker dies around a tool call (DESIGN invariant 6):
 * the retried attempt of an idempotent tool runs again with the same
 * idempotency key (run id + call id), so its side effect can dedupe; an
 * at-most-once tool is never run by a retry, and the model is told.
 */
describe('tool calls retried after a crash', () => {
  let redis: Redis;
  const calls: { tool: string; context: Pick<ToolContext, 'idempotencyKey' | 'runId' | 'callId'> }[] = [];
  const tools = new ToolRegistry(
    (['idempotent', 'at-most-once'] as const).map((retry) =>
      serveTool(defineTool({
        name: retry === 'idempotent' ? 'charge_idempotent' : 'send_once',
        description: 'test tool',
        parameters: z.object({}),
        retry,
        execute: async (_args, context) => {
          calls.push({ tool: retry, context: { idempotencyKey: context.idempotencyKey, runId: context.runId, callId: context.callId } });
          return { ok: true };
        },
      }), 'config'),
    ),
  );
  beforeAll(() => {
    redis = new Redis(inject('redisUrl'));
  });
  afterAll(() => {
    redis?.disconnect();
  });

  const attempt = async (name: string, attemptNumber: number) => {
    const toolCall = createToolCall({ log: new RunLog(redis, { keyPrefix: `test:crash-tools:${randomBytes(4).toString('hex')}:` }), tools, transcripts: testTranscripts(), resolveModel: () => Promise.reject(new Error('unused')) });
    const environment = new MockActivityEnvironment({ attempt: attemptNumber, activityId: '7' });
    return environment.run<[Parameters<typeof toolCall>[0]], ToolMessage, typeof toolCall>(toolCall, { runId: 'run_crashtools0001', step: 1, call: { callId: 'call_1', name, arguments: {} } });
  };

  it('an idempotent tool runs again on retry with the same idempotency key', async () => {
    calls.length = 0;
    await attempt('charge_idempotent', 1);
    const retried = await attempt('charge_idempotent', 2);
    expect(retried).toMatchObject({ role: 'tool', callId: 'call_1', content: JSON.stringify({ ok: true }) });
    expect(calls.map((call) => call.context.idempotencyKey)).toEqual(['run_crashtools0001:call_1', 'run_crashtools0001:call_1']);
  });

  it('an at-most-once tool is not run by a retry; the model gets an error result instead', async () => {
    calls.length = 0;
    await attempt('send_once', 1);
    const retried = await attempt('send_once', 2);
    expect(calls).toHaveLength(1);
    expect(retried).toMatchObject({ role: 'tool', isError: true });
    expect(retried.content).toContain('at-most-once');
  });
});
