import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { RunLog } from '../../src/bus/run-log.js';
import type { ParsedRunEvent } from '../../src/protocol/index.js';
import { freePort } from '../../src/services/free-port.js';
import { startRedisServer, startTemporalDevServer, type LocalService } from '../../src/services/local-services.js';
import { rebuildStepTexts } from '../support/transcript-replay.js';
import { registerScript, runResultOf, startTestStack, type TestStack } from '../support/test-stack.js';

const words = (count: number, prefix: string) => Array.from({ length: count }, (_, index) => `${prefix}${index}`).join(' ');

/** Waits until the run's log shows a text delta at or past `offset` (polling the log directly, not through the API). */
async function waitForText(log: RunLog, runId: string, offset: number): Promise<void> {
  await vi.waitFor(
    async () => {
      const entries = await log.read(runId, undefined, 10_000);
      expect(entries.some((entry) => entry.event.type === 'text.delta' && entry.event.offset >= offset)).toBe(true);
    },
    { timeout: 20_000, interval: 20 },
  );
}

describe('Redis down and back mid-run (dedicated redis-server)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'runstream-outage-'));
  let port: number;
  let redis: LocalService | undefined;
  /** A short flush timeout: a step that ends while Redis is away gives its unsent events up quickly. */
  let stack: TestStack;
  /** A flush timeout far longer than the outage, however slowly Redis comes back on a loaded machine. */
  let patient: TestStack;
  let reader: Redis;
  let log: RunLog;
  const startRedis = async () => {
    redis = await startRedisServer({ port, logDir: join(scratch, 'logs'), dataDir: join(scratch, 'redis-data') });
  };

  beforeAll(async () => {
    port = await freePort();
    await startRedis();
    stack = await startTestStack('outage', { env: { REDIS_URL: `redis://127.0.0.1:${port}` }, worker: { publishFlushTimeoutMs: 1_500 } });
    patient = await startTestStack('outage-patient', { env: { REDIS_URL: `redis://127.0.0.1:${port}` }, worker: { publishFlushTimeoutMs: 120_000 } });
    reader = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: null });
    reader.on('error', () => undefined);
    log = new RunLog(reader, { keyPrefix: stack.env.RUNSTREAM_KEY_PREFIX });
  });
  afterAll(async () => {
    reader?.disconnect();
    await stack?.stop();
    await patient?.stop();
    await redis?.stop();
  });

  it('keeps streaming through a short outage; the log catches up with every event, in order, and has no gap', async () => {
    const text = words(400, 'a');
    const model = await registerScript({ turns: [{ text, chunkSize: 6, delayMs: 10 }] });
    const run = await patient.client.enqueue({ input: 'talk', model: `openai:${model}`, tools: [] });
    const patientLog = new RunLog(reader, { keyPrefix: patient.env.RUNSTREAM_KEY_PREFIX });
    await waitForText(patientLog, run.id, 50);
    await redis?.stop();
    await sleep(1_000); // the outage's length, not a wait for anything: the worker holds its events until Redis is back
    await startRedis();
    const result = await runResultOf(patient.temporal.workflow.getHandle(run.id));
    expect(result.output).toBe(text);
    const entries = await patientLog.read(run.id, undefined, 100_000);
    expect(entries.at(-1)?.event.type).toBe('run.completed');
    expect(rebuildStepTexts(entries.map((entry) => entry.event)).get(1)).toBe(text);
    expect(await patientLog.covers(run.id, undefined)).toBe(true);
  });

  it('completes the run with Redis away; once Redis is back, a gap marker tells late viewers the log does not cover the run', async () => {
    const text = words(150, 'b');
    const model = await registerScript({ turns: [{ text, chunkSize: 6, delayMs: 10 }] });
    const run = await stack.client.enqueue({ input: 'talk', model: `openai:${model}`, tools: [] });
    await waitForText(log, run.id, 50);
    const lastBefore = (await log.read(run.id, undefined, 100_000)).at(-1)?.id;
    await redis?.stop();
    // The worker keeps generating: the run completes in Temporal while nothing reaches Redis.
    const result = await runResultOf(stack.temporal.workflow.getHandle(run.id));
    expect(result.output).toBe(text);
    await startRedis();
    await vi.waitFor(async () => expect(await reader.get(log.gapKey(run.id))).not.toBeNull(), { timeout: 20_000, interval: 50 });
    expect(await log.covers(run.id, undefined)).toBe(false);
    expect(await log.covers(run.id, lastBefore)).toBe(false);
    const entries = await log.read(run.id, undefined, 100_000);
    expect(entries.some((entry) => entry.event.type === 'run.completed')).toBe(false);
  });
});

describe('Temporal dev server restarted mid-run (dedicated server, same db file and port)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'runstream-temporal-restart-'));
  const dbFile = join(scratch, 'temporal.db');
  let port: number;
  let temporal: LocalService | undefined;
  let stack: TestStack;
  const startTemporal = async () => {
    temporal = await startTemporalDevServer({ dbFile, port, logDir: join(scratch, 'logs'), cli: inject('temporalCli') });
  };

  beforeAll(async () => {
    port = await freePort();
    await startTemporal();
    stack = await startTestStack('temporal-restart', { env: { TEMPORAL_ADDRESS: `127.0.0.1:${port}` } });
  });
  afterAll(async () => {
    await stack?.stop();
    await temporal?.stop();
  });

  it('completes the run, and viewers end with exactly its transcript', async () => {
    const answer = words(300, 'c');
    const model = await registerScript({
      turns: [
        { text: 'Computing.', toolCalls: [{ name: 'calculator', arguments: { expression: '2+2' } }] },
        { text: answer, chunkSize: 6, delayMs: 10 },
      ],
    });
    const run = await stack.client.enqueue({ input: 'What is 2+2?', model: `openai:${model}`, tools: ['calculator'] });
    const events: ParsedRunEvent[] = [];
    const viewer = collectUntil(stack, run.id, events);
    await vi.waitFor(() => expect(events.some((event) => event.type === 'text.delta' && event.step === 2 && event.offset > 50)).toBe(true), {
      timeout: 20_000,
      interval: 20,
    });
    await temporal?.stop();
    await startTemporal();
    await viewer;
    const result = await stack.client.result(run.id);
    expect(result.output).toBe(answer);
    expect(rebuildStepTexts(events).get(2)).toBe(answer);
  });
});

async function collectUntil(stack: TestStack, runId: string, into: ParsedRunEvent[]) {
  for await (const { event } of stack.client.subscribe(runId)) into.push(event);
  return into;
}
