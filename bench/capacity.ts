import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { preciseNow } from '../src/demo/llm-server.js';
import type { ProbeReading } from './roles/probe.js';
import type { WatchResult } from './roles/viewers-role.js';
import { benchApiKey, chunkSize, deltaLatencies, startBenchServers, tokenScript, type BenchServers, type ChunkTiming } from './support/bench-stack.js';
import { CpuWindow, rssBytes } from './support/proc-stats.js';
import { callsBetween, commandCalls } from './support/redis-stats.js';
import { startRole, type RoleProcess } from './support/role-process.js';
import { ms, summarize, table } from './support/stats.js';

/**
 * `npm run bench -- capacity`: N concurrent streaming runs at 20 tokens/s,
 * one SSE viewer each, on one worker + one API process, then on two of each;
 * the load steps up until relay p99 passes 10 ms (or runs stop completing).
 * Per step: relay latency (model server writes a token → the viewer has it),
 * event-loop lag p99 of workers and APIs, Redis commands per delta, CPU per
 * delta (workers, APIs, Redis, Temporal), memory per run, and how long runs
 * waited between enqueue and their model request.
 */

const tokensPerSecond = 20;
const relayBudgetMs = 10;

interface Topology {
  workers: RoleProcess[];
  apis: RoleProcess[];
}

interface StepResult {
  load: number;
  relay: ReturnType<typeof summarize>;
  startDelay: ReturnType<typeof summarize>;
  completed: number;
  complete: number;
  workerLagP99: number;
  apiLagP99: number;
  commandsPerDelta: number;
  topCommands: [string, number][];
  cpuPerDeltaUs: Record<string, number>;
  memoryPerRunKiB: number;
}

let runCounter = 0;

async function step(servers: BenchServers, topology: Topology, viewers: RoleProcess[], redis: Redis, load: number, tokens: number, rampMs: number): Promise<StepResult> {
  const names = Array.from({ length: load }, () => `capacity-${runCounter++}`);
  const stallMs = rampMs + 3_000;
  await servers.model.call('scripts', { names, script: tokenScript(tokens, tokensPerSecond, stallMs) });
  const servers_ = [...topology.workers, ...topology.apis];
  const rssBefore = servers_.reduce((sum, process) => sum + rssBytes(process.pid), 0);
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, servers_.reduce((sum, process) => sum + rssBytes(process.pid), 0));
  }, 250);
  await Promise.all(servers_.map((process) => process.call('probe.reset')));
  const callsBefore = await commandCalls(redis);
  const cpu = new CpuWindow({
    ...Object.fromEntries(topology.workers.map((process, index) => [`worker${index}`, process.pid])),
    ...Object.fromEntries(topology.apis.map((process, index) => [`api${index}`, process.pid])),
    redis: servers.redis.pid,
    temporal: servers.temporal.pid,
  });

  // Enqueue at an even pace over the ramp; each run's viewer attaches right after its enqueue.
  const enqueuedAt: number[] = [];
  const watches: Promise<{ viewer: RoleProcess; watch: number; runId: string }>[] = [];
  const began = performance.now();
  for (const [index, name] of names.entries()) {
    const due = began + (rampMs * index) / load;
    if (performance.now() < due) await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
    const api = String(topology.apis[index % topology.apis.length]!.ready.url);
    const viewer = viewers[index % viewers.length]!;
    enqueuedAt[index] = preciseNow();
    watches.push(
      (async () => {
        const response = await fetch(`${api}/v1/runs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${benchApiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ input: 'go', model: `openai:${name}`, tools: [], maxSteps: 1 }),
        });
        if (response.status !== 201) throw new Error(`POST /v1/runs answered ${response.status}: ${await response.text()}`);
        const { id } = (await response.json()) as { id: string };
        const attached = await viewer.call<{ watch: number }>('sse.attach', { url: api, apiKey: benchApiKey, runId: id, count: 1, tokens, chunkSize });
        return { viewer, watch: attached.watch, runId: id };
      })(),
    );
  }
  const timeoutMs = stallMs + (tokens * 1000 * 3) / tokensPerSecond + 60_000;
  const attached = await Promise.all(watches);
  const results = await Promise.all(attached.map(({ viewer, watch }) => viewer.call<WatchResult>('watch.result', { watch, timeoutMs })));
  let completed = 0;
  await Promise.all(
    attached.map(async ({ runId }) => {
      const outcome = await servers.client.workflow
        .getHandle(runId)
        .result()
        .then(() => true)
        .catch(() => false);
      if (outcome) completed++;
    }),
  );
  const used = cpu.stop();
  clearInterval(sampler);
  const callsAfter = await commandCalls(redis);
  const probes = await Promise.all(servers_.map((process) => process.call<ProbeReading>('probe.read')));
  const timings = await servers.model.call<Record<string, ChunkTiming>>('timings', { models: names });

  const relay: number[] = [];
  const startDelay: number[] = [];
  let complete = 0;
  results.forEach((result, index) => {
    const timing = timings[names[index]!];
    if (!timing) return;
    deltaLatencies(result, timing, tokens, relay);
    startDelay.push(timing.receivedAt - enqueuedAt[index]!);
    complete += result.complete;
  });
  const deltas = load * tokens;
  const calls = callsBetween(callsBefore, callsAfter);
  const cpuPerDeltaUs: Record<string, number> = {};
  const sum = (prefix: string) => Object.entries(used).filter(([name]) => name.startsWith(prefix)).reduce((total, [, seconds]) => total + seconds, 0);
  for (const part of ['worker', 'api', 'redis', 'temporal']) cpuPerDeltaUs[part] = (sum(part) / deltas) * 1e6;
  cpuPerDeltaUs.total = Object.values(used).reduce((total, seconds) => total + seconds, 0) / deltas * 1e6;
  return {
    load,
    relay: summarize(relay),
    startDelay: summarize(startDelay),
    completed,
    complete,
    workerLagP99: Math.max(...probes.slice(0, topology.workers.length).map((probe) => probe.lagP99Ms)),
    apiLagP99: Math.max(...probes.slice(topology.workers.length).map((probe) => probe.lagP99Ms)),
    commandsPerDelta: calls.reduce((total, [, count]) => total + count, 0) / deltas,
    topCommands: calls.slice(0, 6).map(([name, count]): [string, number] => [name, count / deltas]),
    cpuPerDeltaUs,
    memoryPerRunKiB: (rssPeak - rssBefore) / load / 1024,
  };
}

export default async function capacityBench(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      loads: { type: 'string', default: '50,100,200,400,700,1000' },
      tokens: { type: 'string', default: '240' },
      'ramp-ms': { type: 'string', default: '3000' },
      topologies: { type: 'string', default: '1,2' },
      viewers: { type: 'string', default: '2' },
    },
    allowPositionals: true,
  });
  const loads = values.loads.split(',').map(Number);
  const tokens = Number(values.tokens);
  const rampMs = Number(values['ramp-ms']);
  const servers = await startBenchServers('capacity');
  const redis = new Redis(servers.env.REDIS_URL!);
  const started: RoleProcess[] = [];
  const failures: string[] = [];
  const watchdog = setTimeout(() => {
    console.error('capacity bench: took longer than 40 minutes, stopping');
    process.exit(1);
  }, 40 * 60_000).unref();
  try {
    const role = async (name: string) => {
      const process = await startRole(name, { env: servers.env });
      started.push(process);
      return process;
    };
    const viewers = await Promise.all(Array.from({ length: Number(values.viewers) }, () => role('viewers')));
    console.log(`runs of ${tokens} tokens at ${tokensPerSecond} tokens/s, one SSE viewer each (viewers in ${viewers.length} processes of their own); enqueues spread over ${rampMs / 1000} s`);
    for (const size of values.topologies.split(',').map(Number)) {
      const topology: Topology = { workers: [], apis: [] };
      for (let index = 0; index < size; index++) {
        topology.workers.push(await role('worker'));
        topology.apis.push(await role('api'));
      }
      await step(servers, topology, viewers, redis, 5, 20, 200); // warm-up
      const results: StepResult[] = [];
      for (const load of loads) {
        console.error(`capacity: ${size} worker(s) + ${size} API(s), ${load} runs`);
        const result = await step(servers, topology, viewers, redis, load, tokens, rampMs);
        results.push(result);
        if (result.completed < load || result.complete < load) {
          failures.push(`${load} runs on ${size}+${size}: ${result.completed} completed, ${result.complete} viewers got every event`);
          break;
        }
        if (result.relay.p99 > 50 * relayBudgetMs) break; // far past the budget: higher loads only take longer
      }
      report(size, results);
      await Promise.all([...topology.workers, ...topology.apis].map((process) => process.stop()));
    }
  } finally {
    clearTimeout(watchdog);
    redis.disconnect();
    for (const process of started.reverse()) await process.stop().catch(() => undefined);
    await servers.stop();
  }
  if (failures.length > 0) {
    console.error(`\ncapacity bench FAILED:\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  }
}

function report(size: number, results: StepResult[]): void {
  console.log(`\n${size} worker process${size > 1 ? 'es' : ''} + ${size} API process${size > 1 ? 'es' : ''}`);
  const rows: string[][] = [
    ['runs', 'relay p50', 'relay p99', 'start delay p99', 'worker lag p99', 'API lag p99', 'Redis cmds/delta', 'CPU µs/delta (worker/API/Redis/Temporal)', 'memory/run', 'completed'],
  ];
  for (const result of results) {
    const cpu = result.cpuPerDeltaUs;
    rows.push([
      String(result.load),
      ms(result.relay.p50),
      ms(result.relay.p99),
      ms(result.startDelay.p99, 0),
      ms(result.workerLagP99),
      ms(result.apiLagP99),
      result.commandsPerDelta.toFixed(2),
      `${cpu.total!.toFixed(0)} (${[cpu.worker, cpu.api, cpu.redis, cpu.temporal].map((value) => value!.toFixed(0)).join('/')})`,
      `${result.memoryPerRunKiB.toFixed(0)} KiB`,
      `${result.completed}/${result.load}`,
    ]);
  }
  console.log(table(rows));
  const best = results.filter((result) => result.relay.p99 <= relayBudgetMs && result.completed === result.load).at(-1);
  console.log(`highest load with relay p99 ≤ ${relayBudgetMs} ms: ${best ? `${best.load} runs (${best.load * tokensPerSecond} deltas/s)` : 'none of the loads tried'}`);
  const last = results.at(-1);
  if (last) console.log(`Redis commands at ${last.load} runs, per delta: ${last.topCommands.map(([name, perDelta]) => `${name} ${perDelta.toFixed(2)}`).join(', ')}`);
}
