import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { serve } from '@hono/node-server';
import { createParser } from 'eventsource-parser';
import { Redis } from 'ioredis';
import { LiveSubscriptions } from '../src/bus/live-subscriptions.js';
import { RunLog } from '../src/bus/run-log.js';
import type { RunEventInput } from '../src/events.js';
import type { RunService } from '../src/runs/run-service.js';
import { ApiKeys } from '../src/server/api-keys.js';
import { CatalogueReader } from '../src/catalogue/catalogue-reader.js';
import { createApiApp } from '../src/server/app.js';
import { ViewerTokens } from '../src/server/viewer-token.js';
import { benchRedis, formatMs, percentile } from './bench-servers.js';

/**
 * Added delivery latency of the SSE fan-out: one run, 1 / 100 / 1,000 viewers
 * as real HTTP clients of a real API process (a child process) on a private
 * redis-server. Per event: publish → each viewer's receipt, minus publish → a
 * plain Redis subscriber's receipt (the direct baseline) in the same run.
 * Loopback only; stops by itself. Temporal is not on the delivery path, so
 * the API's run lookup is a stand-in that says "running".
 */

const apiKey = 'bench-key';
const runId = 'run_fanoutbench0000';
const eventsPerScenario = 150;
const spacingMs = 20;

async function serveApi(): Promise<void> {
  const redisUrl = process.env.RUNSTREAM_BENCH_REDIS ?? '';
  const commands = new Redis(redisUrl);
  const subscriber = new Redis(redisUrl);
  const runs = {
    describe: async () => ({ status: { name: 'RUNNING' }, historyLength: 10 }),
    messages: async () => [],
  } as unknown as RunService;
  const app = createApiApp({
    runs,
    catalogue: new CatalogueReader(commands, { keyPrefix: 'bench:', taskQueue: 'bench' }),
    log: new RunLog(commands, { keyPrefix: 'bench:' }),
    live: new LiveSubscriptions(subscriber),
    apiKeys: new ApiKeys([apiKey]),
    viewerTokens: new ViewerTokens('bench-secret'),
  });
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => process.stdout.write(`${info.port}\n`));
  server.on('error', (error) => {
    console.error(error);
    process.exit(1);
  });
  process.on('disconnect', () => process.exit(0));
}

/** One SSE viewer on a raw HTTP request; calls back with each event id and the time it arrived. */
function viewer(port: number, runKey: string, onEvent: (id: string, at: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: `/v1/runs/${runKey}/events`, headers: { authorization: `Bearer ${apiKey}` }, agent: false }, (response) => {
      const parser = createParser({ onEvent: (event) => event.id && onEvent(event.id, performance.now()) });
      response.setEncoding('utf8');
      response.on('data', (text: string) => parser.feed(text));
      response.on('end', resolve);
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function scenario(port: number, log: RunLog, direct: Redis, viewers: number, round: number) {
  const run = `${runId}${round}`;
  const publishedAt = new Map<string, number>();
  const directAt = new Map<string, number>();
  // Receipts are matched with publish times afterwards: a viewer may see an event before append() resolves.
  const receipts: [string, number][] = [];
  const started = new Set<number>();
  let seq = 0;
  const append = async (event: RunEventInput) => {
    const before = performance.now();
    const [id] = await log.append(run, [{ producer: 'bench', seq: seq++, event: { ...event, runId: run, at: new Date().toISOString() } as never }]);
    publishedAt.set(id!, before);
    return id!;
  };
  await direct.subscribe(log.channel(run));
  direct.on('message', (channel: string, message: string) => {
    if (channel === log.channel(run)) directAt.set(message.slice(0, message.indexOf('\n')), performance.now());
  });
  const firstId = await append({ type: 'run.started', model: 'bench', tools: [], maxSteps: 1 });
  const done = Array.from({ length: viewers }, (_, index) =>
    viewer(port, run, (id, at) => {
      if (id === firstId) started.add(index);
      else receipts.push([id, at]);
    }),
  );
  while (started.size < viewers) await new Promise((resolve) => setTimeout(resolve, 10));
  for (let index = 0; index < eventsPerScenario; index++) {
    await append({ type: 'text.delta', step: 1, offset: index * 6, text: 'token ' });
    await new Promise((resolve) => setTimeout(resolve, spacingMs));
  }
  await append({ type: 'run.completed', result: { output: '', messages: [], usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 }, steps: 1, finishReason: 'stop' } });
  await Promise.all(done);
  await direct.unsubscribe(log.channel(run));
  direct.removeAllListeners('message');
  const directLatencies = [...directAt].filter(([id]) => id !== firstId).map(([id, at]) => at - (publishedAt.get(id) ?? at));
  const viewerLatencies = receipts.map(([id, at]) => at - (publishedAt.get(id) ?? Number.NaN));
  const expected = (eventsPerScenario + 1) * viewers;
  if (viewerLatencies.length !== expected || viewerLatencies.some(Number.isNaN)) throw new Error(`viewers received ${viewerLatencies.length} events, expected ${expected}`);
  return { viewer: viewerLatencies.sort((a, b) => a - b), direct: directLatencies.sort((a, b) => a - b) };
}

export default async function fanoutBench(): Promise<void> {
  const redisServer = await benchRedis();
  let api: ChildProcess | undefined;
  const watchdog = setTimeout(() => {
    console.error('fanout bench: took longer than 5 minutes, stopping');
    api?.kill('SIGKILL');
    process.exit(1);
  }, 5 * 60_000);
  try {
    api = spawn(process.execPath, ['bin/run-ts.js', 'bench/fanout.ts'], {
      env: { ...process.env, RUNSTREAM_FANOUT_ROLE: 'api', RUNSTREAM_BENCH_REDIS: redisServer.address },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    const [portLine] = await createInterface({ input: api.stdout! })[Symbol.asyncIterator]().next().then((line) => [line.value as string]);
    const port = Number(portLine);
    const commands = new Redis(redisServer.address);
    const direct = new Redis(redisServer.address);
    const log = new RunLog(commands, { keyPrefix: 'bench:' });
    console.log(`events per scenario ${eventsPerScenario}, one every ${spacingMs} ms; API in a child process; private redis-server`);
    console.log('viewers   via SSE p50 / p99        direct Redis p50 / p99    added p50 / p99           p50 ratio');
    for (const [round, viewers] of [1, 100, 1_000].entries()) {
      const { viewer: sse, direct: baseline } = await scenario(port, log, direct, viewers, round);
      const [s50, s99, d50, d99] = [percentile(sse, 50), percentile(sse, 99), percentile(baseline, 50), percentile(baseline, 99)];
      console.log(
        `${String(viewers).padEnd(9)} ${`${formatMs(s50)} / ${formatMs(s99)}`.padEnd(24)} ${`${formatMs(d50)} / ${formatMs(d99)}`.padEnd(25)} ${`${formatMs(s50 - d50)} / ${formatMs(s99 - d99)}`.padEnd(25)} ${(s50 / d50).toFixed(1)}×`,
      );
    }
    commands.disconnect();
    direct.disconnect();
  } finally {
    clearTimeout(watchdog);
    api?.kill();
    await redisServer.stop();
  }
}

if (process.env.RUNSTREAM_FANOUT_ROLE === 'api') await serveApi();
