import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { RunLog } from '../src/bus/run-log.js';
import { preciseNow } from '../src/demo/llm-server.js';
import type { RunEventInput } from '../src/protocol/index.js';
import type { ProbeReading } from './roles/probe.js';
import type { WatchResult } from './roles/viewers-role.js';
import { benchRedis } from './bench-servers.js';
import { benchApiKey, chunkSize, spread } from './support/bench-stack.js';
import { rssBytes } from './support/proc-stats.js';
import { startRole, type RoleProcess } from './support/role-process.js';
import { ms, summarize, table } from './support/stats.js';

/**
 * `npm run bench -- fanout`: one run, 1 / 100 / 1,000 / 5,000 SSE viewers on
 * one API process (a child process), the viewers spread over child processes
 * of their own so the figures are the server's. Per event: publish → each
 * viewer's receipt, against publish → a plain Redis subscriber's receipt (the
 * direct baseline) in the same run; memory per viewer (the API's RSS with the
 * viewers attached, minus before); whether every viewer got every event; and
 * the Redis subscriptions the API holds for the run (one, whatever the count).
 * Temporal is not on the delivery path: the API's run lookup is a stand-in.
 */

const keyPrefix = 'bench:fanout:';

async function scenario(api: RoleProcess, viewers: RoleProcess[], log: RunLog, direct: Redis, viewerCount: number, round: number, events: number, spacingMs: number) {
  const runId = `run_fanoutbench${String(round).padStart(4, '0')}`;
  const channel = log.channel(runId);
  const publishedAt = new Float64Array(events).fill(Number.NaN);
  const directAt = new Float64Array(events).fill(Number.NaN);
  let seq = 0;
  const append = (event: RunEventInput) => log.append(runId, [{ producer: 'bench', seq: seq++, event: { ...event, runId, at: new Date().toISOString() } as never }]);
  await direct.subscribe(channel);
  const onMessage = (from: string, message: string) => {
    if (from !== channel) return;
    const at = preciseNow();
    for (const match of message.matchAll(/"type":"text\.delta".*?"offset":(\d+)/g)) directAt[Number(match[1]) / chunkSize] = at;
  };
  direct.on('message', onMessage);
  await append({ type: 'run.started', model: 'bench', tools: [], maxSteps: 1 });

  await api.call('gc');
  const rssBefore = rssBytes(api.pid);
  const attachStarted = performance.now();
  const watches = await Promise.all(
    spread(viewerCount, viewers.length).map((count, index) =>
      viewers[index]!.call<{ watch: number }>('sse.attach', { url: String(api.ready.url), apiKey: benchApiKey, runId, count, tokens: events, chunkSize }),
    ),
  );
  const attachMs = performance.now() - attachStarted;
  const rssAttached = await api.call<number>('gc');
  const stats = await api.call<{ channels: number; listeners: number }>('liveStats');
  const [, subscribers] = (await log.redis.pubsub('NUMSUB', channel)) as [string, number];
  await api.call('probe.reset');

  for (let index = 0; index < events; index++) {
    publishedAt[index] = preciseNow();
    await append({ type: 'text.delta', step: 1, offset: index * chunkSize, text: 'tok ' });
    await new Promise((resolve) => setTimeout(resolve, spacingMs));
  }
  await append({
    type: 'run.completed',
    result: { output: '', messages: [], usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 }, steps: 1, finishReason: 'stop' },
  });
  const results = await Promise.all(watches.map((watch, index) => viewers[index]!.call<WatchResult>('watch.result', { watch: watch.watch, timeoutMs: 60_000 })));
  const probe = await api.call<ProbeReading>('probe.read');
  direct.off('message', onMessage);
  await direct.unsubscribe(channel);

  const viewerLatency: number[] = [];
  const errors: Record<string, number> = {};
  let complete = 0;
  for (const result of results) {
    complete += result.complete;
    for (const [message, count] of Object.entries(result.errors)) errors[message] = (errors[message] ?? 0) + count;
    for (let viewer = 0; viewer < result.viewers; viewer++) {
      for (let index = 0; index < events; index++) viewerLatency.push(result.receivedAt[viewer * events + index]! - publishedAt[index]!);
    }
  }
  const directLatency = Array.from(directAt, (at, index) => at - publishedAt[index]!).filter((value) => !Number.isNaN(value));
  return {
    viewers: viewerCount,
    complete,
    errors,
    attachMs,
    sse: summarize(viewerLatency.filter((value) => !Number.isNaN(value))),
    direct: summarize(directLatency),
    memoryPerViewer: (Math.max(rssAttached, rssBefore) - rssBefore) / viewerCount,
    apiSubscriptions: subscribers - 1, // minus the direct baseline's own
    apiChannels: stats.channels,
    apiLagP99: probe.lagP99Ms,
  };
}

export default async function fanoutBench(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      viewers: { type: 'string', default: '1,100,1000,5000' },
      events: { type: 'string', default: '150' },
      'spacing-ms': { type: 'string', default: '20' },
      'viewer-processes': { type: 'string', default: '4' },
    },
    allowPositionals: true,
  });
  const redisServer = await benchRedis();
  const started: RoleProcess[] = [];
  const failures: string[] = [];
  const watchdog = setTimeout(() => {
    console.error('fanout bench: took longer than 10 minutes, stopping');
    process.exit(1);
  }, 10 * 60_000).unref();
  const commands = new Redis(redisServer.address);
  const direct = new Redis(redisServer.address);
  try {
    const env = { REDIS_URL: redisServer.address, RUNSTREAM_KEY_PREFIX: keyPrefix };
    const api = await startRole('fanout-api', { env, nodeOptions: ['--expose-gc'] });
    started.push(api);
    for (let index = 0; index < Number(values['viewer-processes']); index++) started.push(await startRole('viewers', { env }));
    const viewers = started.slice(1);
    const log = new RunLog(commands, { keyPrefix });
    const events = Number(values.events);
    const spacingMs = Number(values['spacing-ms']);
    console.log(`${events} events per scenario, one every ${spacingMs} ms; API in a child process, viewers in ${viewers.length} others; private redis-server`);
    const rows: string[][] = [['viewers', 'got every event', 'attach all', 'SSE p50 / p99', 'direct Redis p50 / p99', 'added p50 / p99', 'API loop lag p99', 'memory/viewer', 'API subscriptions']];
    for (const [round, viewerCount] of values.viewers.split(',').map(Number).entries()) {
      const result = await scenario(api, viewers, log, direct, viewerCount, round, events, spacingMs);
      if (result.complete !== viewerCount) failures.push(`${viewerCount} viewers: only ${result.complete} got every event (${JSON.stringify(result.errors)})`);
      rows.push([
        String(viewerCount),
        `${result.complete}/${viewerCount}`,
        ms(result.attachMs, 0),
        `${ms(result.sse.p50)} / ${ms(result.sse.p99)}`,
        `${ms(result.direct.p50)} / ${ms(result.direct.p99)}`,
        `${ms(result.sse.p50 - result.direct.p50)} / ${ms(result.sse.p99 - result.direct.p99)}`,
        ms(result.apiLagP99),
        `${(result.memoryPerViewer / 1024).toFixed(1)} KiB`,
        `${result.apiSubscriptions} (${result.apiChannels} channel)`,
      ]);
    }
    console.log(table(rows));
  } finally {
    clearTimeout(watchdog);
    commands.disconnect();
    direct.disconnect();
    for (const process of started.reverse()) await process.stop().catch(() => undefined);
    await redisServer.stop();
  }
  if (failures.length > 0) {
    console.error(`\nfanout bench FAILED:\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  }
}
