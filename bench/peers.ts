import { parseArgs } from 'node:util';
import { CpuWindow } from './support/proc-stats.js';
import { phaseMarks, phaseTable, type PhaseMarks } from './support/first-token-phases.js';
import { benchApiKey, chunkSize, deltaLatencies, spread, startBenchServers, tokenScript, type BenchServers, type ChunkTiming } from './support/bench-stack.js';
import { startRole, type RoleProcess } from './support/role-process.js';
import { ms, ratio, summarize, table, type Summary } from './support/stats.js';
import type { WatchResult } from './roles/viewers-role.js';

/**
 * `npm run bench -- peers`: runstream against Temporal's Workflow Streams
 * (`@temporalio/workflow-streams`, used as its README and Temporal's sample
 * use it) in its recommended and its tightest settings, and against the
 * floor — the provider's stream read directly, with no durability — on one
 * Temporal dev server and one local model server at 100 tokens/s, rounds
 * interleaved so noise hits every side alike. Fails only when a run does not
 * complete or a runstream viewer misses an event.
 */

const systems = ['runstream', 'peer-tightest', 'peer-recommended', 'floor'] as const;
type SystemName = (typeof systems)[number];
type PeerName = Extract<SystemName, `peer-${string}`>;
const peerSettings: Record<PeerName, { batchIntervalMs: number; forceFlush: boolean; pollCooldownMs: number; label: string }> = {
  // The sample's publisher setting, the library's default poll cooldown.
  'peer-recommended': { batchIntervalMs: 200, forceFlush: false, pollCooldownMs: 100, label: 'batchInterval 200 ms, pollCooldown 100 ms' },
  // Every delta flushed at once (one signal in flight at a time), no cooldown between polls.
  'peer-tightest': { batchIntervalMs: 10, forceFlush: true, pollCooldownMs: 0, label: 'forceFlush on every delta, pollCooldown 0' },
};
const isPeer = (system: SystemName): system is PeerName => system.startsWith('peer-');
const tokensPerSecond = 100;
const peerTaskQueue = 'bench-peer';

interface RunOutcome {
  latencies: number[];
  viewers: number;
  served: number;
  attachMs: number;
  errors: Record<string, number>;
  cpu?: Record<string, number>;
  history?: { events: number; bytes: number };
}

interface Participants {
  servers: BenchServers;
  worker: RoleProcess;
  api: RoleProcess;
  peerWorker: RoleProcess;
  viewers: RoleProcess[];
}

let runCounter = 0;
const failures: string[] = [];

async function historyOf(servers: BenchServers, workflowId: string) {
  const description = await servers.client.workflow.getHandle(workflowId).describe();
  const info = description.raw.workflowExecutionInfo;
  return { events: Number(info?.historyLength ?? 0), bytes: Number(info?.historySizeBytes ?? 0) };
}

/** One run of `tokens` tokens watched by `viewerCount` viewers, attached during a stall before the first token. */
async function watchedRun(parts: Participants, system: SystemName, tokens: number, viewerCount: number, stallMs: number, measure: boolean): Promise<RunOutcome> {
  const { servers } = parts;
  const name = `peers-${runCounter++}-${system}`;
  await servers.model.call('script', { name, script: tokenScript(tokens, tokensPerSecond, system === 'floor' ? 0 : stallMs) });
  const pids: Record<string, number | undefined> =
    system === 'runstream'
      ? { worker: parts.worker.pid, temporal: servers.temporal.pid, api: parts.api.pid, redis: servers.redis.pid }
      : isPeer(system)
        ? { worker: parts.peerWorker.pid, temporal: servers.temporal.pid }
        : {};
  const window = measure ? new CpuWindow(pids) : undefined;
  const timeoutMs = stallMs + (tokens * 1000 * 1.5) / tokensPerSecond + 20_000;
  let results: WatchResult[];
  let attachMs = 0;
  let workflowId: string | undefined;
  if (system === 'floor') {
    const floor = await parts.viewers[0]!.call<{ result: WatchResult }>('floor.stream', { baseURL: servers.env.OPENAI_BASE_URL, model: name, tokens });
    results = [floor.result];
  } else {
    const counts = spread(viewerCount, parts.viewers.length);
    let watches: { watch: number; attachMs: number }[];
    if (system === 'runstream') {
      const apiUrl = String(parts.api.ready.url);
      const response = await fetch(`${apiUrl}/v1/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${benchApiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ input: 'go', model: `openai:${name}`, tools: [], maxSteps: 1 }),
      });
      if (response.status !== 201) throw new Error(`POST /v1/runs answered ${response.status}: ${await response.text()}`);
      workflowId = ((await response.json()) as { id: string }).id;
      watches = await Promise.all(
        counts.map((count, index) =>
          parts.viewers[index]!.call<{ watch: number; attachMs: number }>('sse.attach', { url: apiUrl, apiKey: benchApiKey, runId: workflowId, count, tokens, chunkSize }),
        ),
      );
    } else {
      const settings = peerSettings[system];
      workflowId = `peer-${name}`;
      await servers.client.workflow.start('peerStreaming', {
        taskQueue: peerTaskQueue,
        workflowId,
        args: [{ model: name, batchIntervalMs: settings.batchIntervalMs, forceFlush: settings.forceFlush }],
      });
      watches = await Promise.all(
        counts.map((count, index) =>
          parts.viewers[index]!.call<{ watch: number; attachMs: number }>('peer.attach', {
            address: servers.temporal.address,
            workflowId,
            count,
            tokens,
            pollCooldownMs: settings.pollCooldownMs,
          }),
        ),
      );
    }
    attachMs = Math.max(...watches.map((watch) => watch.attachMs));
    results = await Promise.all(watches.map((watch, index) => parts.viewers[index]!.call<WatchResult>('watch.result', { watch: watch.watch, timeoutMs })));
    try {
      await servers.client.workflow.getHandle(workflowId).result();
    } catch (error) {
      failures.push(`${system} run ${workflowId} did not complete: ${String(error)}`);
    }
  }
  const cpu = window?.stop();
  const timing = (await servers.model.call<Record<string, ChunkTiming>>('timings', { models: [name] }))[name];
  if (!timing) throw new Error(`the model server never served ${name}`);
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let served = 0;
  for (const result of results) {
    deltaLatencies(result, timing, tokens, latencies);
    served += result.complete;
    for (const [message, count] of Object.entries(result.errors)) errors[message] = (errors[message] ?? 0) + count;
  }
  if (system === 'runstream' || system === 'floor') {
    if (served !== Math.max(1, system === 'floor' ? 1 : viewerCount)) {
      failures.push(`${system}: ${served} of ${viewerCount} viewers got every event (${JSON.stringify(errors)})`);
    }
  }
  return {
    latencies,
    viewers: system === 'floor' ? 1 : viewerCount,
    served,
    attachMs,
    errors,
    ...(cpu ? { cpu } : {}),
    ...(measure && workflowId ? { history: await historyOf(servers, workflowId) } : {}),
  };
}

interface FirstToken {
  /** Enqueue (POST /v1/runs, workflow start, or the request) → first delta at the viewer. */
  firstDelta: number;
  /** The same minus the model's own time to first token (request arrival → first text chunk written). */
  overhead: number;
  /** runstream's runs: where that time went. */
  phases?: PhaseMarks;
}

async function firstTokenRun(parts: Participants, system: SystemName): Promise<FirstToken> {
  const { servers } = parts;
  const tokens = 5;
  const name = `peers-${runCounter++}-${system}`;
  await servers.model.call('script', { name, script: tokenScript(tokens, tokensPerSecond) });
  const viewer = parts.viewers[0]!;
  type Enqueued = { runId: string; enqueueAt: number; answeredAt: number; result: WatchResult };
  let outcome: Enqueued;
  if (system === 'runstream') {
    outcome = await viewer.call<Enqueued>('sse.enqueue', {
      url: String(parts.api.ready.url),
      apiKey: benchApiKey,
      body: { input: 'go', model: `openai:${name}`, tools: [], maxSteps: 1 },
      tokens,
      chunkSize,
    });
  } else if (isPeer(system)) {
    const settings = peerSettings[system];
    outcome = await viewer.call<Enqueued>('peer.enqueue', {
      address: servers.temporal.address,
      taskQueue: peerTaskQueue,
      workflowId: `peer-${name}`,
      input: { model: name, batchIntervalMs: settings.batchIntervalMs, forceFlush: settings.forceFlush },
      tokens,
      pollCooldownMs: settings.pollCooldownMs,
    });
  } else {
    outcome = await viewer.call<Enqueued>('floor.stream', { baseURL: servers.env.OPENAI_BASE_URL, model: name, tokens });
  }
  if (outcome.result.complete !== 1) failures.push(`${system}: first-token run ${outcome.runId} missed events (${JSON.stringify(outcome.result.errors)})`);
  if (system !== 'floor') await servers.client.workflow.getHandle(isPeer(system) ? `peer-${name}` : outcome.runId).result();
  const timing = (await servers.model.call<Record<string, ChunkTiming>>('timings', { models: [name] }))[name]!;
  const firstDelta = outcome.result.receivedAt[0]! - outcome.enqueueAt;
  const overhead = firstDelta - (timing.chunkAt[1]! - timing.receivedAt);
  if (system !== 'runstream') return { firstDelta, overhead };
  const viewerTimes = { enqueueAt: outcome.enqueueAt, answeredAt: outcome.answeredAt, firstDeltaAt: outcome.result.receivedAt[0]! };
  const phases = await phaseMarks(servers.client, outcome.runId, viewerTimes, { receivedAt: timing.receivedAt, firstChunkAt: timing.chunkAt[1]! });
  return { firstDelta, overhead, phases };
}

const rotate = <T>(items: readonly T[], by: number) => items.map((_, index) => items[(index + by) % items.length]!);

export default async function peersBench(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      rounds: { type: 'string', default: '2' },
      'long-tokens': { type: 'string', default: '2000' },
      'fanout-tokens': { type: 'string', default: '300' },
      'first-token-runs': { type: 'string', default: '10' },
      viewers: { type: 'string', default: '50,500' },
      // `first-token` skips the delta-latency and fan-out runs (the warm-up still runs).
      only: { type: 'string' },
    },
    allowPositionals: true,
  });
  const rounds = Number(values.rounds);
  const longTokens = Number(values['long-tokens']);
  const fanoutTokens = Number(values['fanout-tokens']);
  const firstTokenRuns = Number(values['first-token-runs']);
  const viewerCounts = values.viewers.split(',').map(Number);
  if (values.only !== undefined && values.only !== 'first-token') throw new Error(`--only takes "first-token", not "${values.only}"`);
  const firstTokenOnly = values.only === 'first-token';

  const servers = await startBenchServers('peers');
  const started: RoleProcess[] = [];
  const watchdog = setTimeout(
    () => {
      console.error('peers bench: took longer than 30 minutes, stopping');
      process.exit(1);
    },
    30 * 60_000,
  ).unref();
  try {
    const role = async (name: string, env: Record<string, string> = {}) => {
      const process = await startRole(name, { env: { ...servers.env, ...env } });
      started.push(process);
      return process;
    };
    const [worker, api, peerWorker, ...viewers] = await Promise.all([
      role('worker'),
      role('api'),
      role('peer-worker', { PEER_TASK_QUEUE: peerTaskQueue }),
      role('viewers'),
      role('viewers'),
    ]);
    const parts: Participants = { servers, worker: worker!, api: api!, peerWorker: peerWorker!, viewers };

    // Warm-up: connections, workflow caches and JIT on every side; not measured.
    for (const system of systems) await watchedRun(parts, system, 20, 1, 100, false);
    const idle = new CpuWindow({ temporal: servers.temporal.pid });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const temporalIdlePerSecond = (idle.stop().temporal ?? 0) / 3;

    const latency = new Map<string, number[]>();
    const servedOf = new Map<string, { served: number; viewers: number; attachMs: number[]; errors: Record<string, number> }>();
    const cpu = new Map<SystemName, Record<string, number>>();
    const history = new Map<SystemName, { events: number; bytes: number }[]>();
    const first = new Map<SystemName, FirstToken[]>();
    const note = (key: string, outcome: RunOutcome) => {
      latency.set(key, [...(latency.get(key) ?? []), ...outcome.latencies]);
      const entry = servedOf.get(key) ?? { served: 0, viewers: 0, attachMs: [], errors: {} };
      entry.served += outcome.served;
      entry.viewers += outcome.viewers;
      entry.attachMs.push(outcome.attachMs);
      for (const [message, count] of Object.entries(outcome.errors)) entry.errors[message] = (entry.errors[message] ?? 0) + count;
      servedOf.set(key, entry);
    };

    for (let round = 0; round < rounds; round++) {
      console.error(`peers: round ${round + 1} of ${rounds}`);
      for (const system of firstTokenOnly ? [] : rotate(systems, round)) {
        const outcome = await watchedRun(parts, system, longTokens, 1, 1_000, true);
        note(`${system}:1`, outcome);
        const used = cpu.get(system) ?? {};
        for (const [name, seconds] of Object.entries(outcome.cpu ?? {})) used[name] = (used[name] ?? 0) + seconds;
        cpu.set(system, used);
        if (outcome.history) history.set(system, [...(history.get(system) ?? []), outcome.history]);
      }
      for (const count of firstTokenOnly ? [] : viewerCounts) {
        for (const system of rotate(systems, round)) {
          if (system === 'floor') continue;
          note(`${system}:${count}`, await watchedRun(parts, system, fanoutTokens, count, 1_000 + count * 6, false));
        }
      }
      for (let index = 0; index < firstTokenRuns; index++) {
        for (const system of rotate(systems, round + index)) first.set(system, [...(first.get(system) ?? []), await firstTokenRun(parts, system)]);
      }
    }

    report({ latency, servedOf, cpu, history, first, rounds, longTokens, fanoutTokens, viewerCounts, temporalIdlePerSecond, firstTokenOnly });
  } finally {
    clearTimeout(watchdog);
    for (const process of started.reverse()) await process.stop().catch(() => undefined);
    await servers.stop();
  }
  if (failures.length > 0) {
    console.error(`\npeers bench FAILED:\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  }
}

function report(data: {
  latency: Map<string, number[]>;
  servedOf: Map<string, { served: number; viewers: number; attachMs: number[]; errors: Record<string, number> }>;
  cpu: Map<SystemName, Record<string, number>>;
  history: Map<SystemName, { events: number; bytes: number }[]>;
  first: Map<SystemName, FirstToken[]>;
  rounds: number;
  longTokens: number;
  fanoutTokens: number;
  viewerCounts: number[];
  temporalIdlePerSecond: number;
  firstTokenOnly: boolean;
}): void {
  const peers = systems.filter(isPeer);
  if (data.firstTokenOnly) {
    console.log(`${data.rounds} interleaved rounds of first-token runs only`);
    for (const peer of peers) console.log(`${peer}: ${peerSettings[peer].label}`);
    firstTokenReport(data.first);
    return;
  }
  console.log(`model server ${tokensPerSecond} tokens/s; ${data.rounds} interleaved rounds; 1 × 1 = one ${data.longTokens}-token run per round, 1 × N = one ${data.fanoutTokens}-token run per round`);
  for (const peer of peers) console.log(`${peer}: ${peerSettings[peer].label}`);
  console.log('floor: the provider stream read directly by one client (no durability, no relay)\n');

  console.log('Delta latency: model server writes a token → a viewer has it (all viewers, all tokens)');
  const floor = summarize(data.latency.get('floor:1') ?? []);
  const rows: string[][] = [['viewers', 'system', 'served', 'p50', 'p95', 'p99', 'added p50 (over floor)', 'runstream ÷ this, p50 / p99']];
  const summaries = new Map<string, Summary>();
  for (const count of [1, ...data.viewerCounts]) {
    const ours = summarize(data.latency.get(`runstream:${count}`) ?? []);
    for (const system of systems) {
      if (system === 'floor' && count !== 1) continue;
      const key = `${system}:${count}`;
      const summary = system === 'runstream' ? ours : summarize(data.latency.get(key) ?? []);
      summaries.set(key, summary);
      const served = data.servedOf.get(key);
      rows.push([
        `1 × ${count}`,
        system,
        served ? `${served.served}/${served.viewers}` : '',
        ms(summary.p50),
        ms(summary.p95),
        ms(summary.p99),
        system === 'floor' ? '' : ms(summary.p50 - floor.p50),
        system === 'runstream' ? '' : `${ratio(ours.p50, summary.p50)} / ${ratio(ours.p99, summary.p99)}`,
      ]);
    }
  }
  console.log(table(rows));
  for (const count of data.viewerCounts) {
    const attach = data.servedOf.get(`runstream:${count}`)?.attachMs ?? [];
    console.log(`runstream: ${count} SSE viewers attached in ${ms(Math.max(...attach), 0)} (slowest round)`);
    for (const peer of peers) {
      const errors = Object.entries(data.servedOf.get(`${peer}:${count}`)?.errors ?? {});
      if (errors.length) console.log(`${peer} at ${count} viewers, why not served: ${errors.map(([message, n]) => `${n}× ${message}`).join('; ')}`);
    }
  }

  firstTokenReport(data.first);

  console.log(`\nHistory per ${data.longTokens}-token run, and CPU seconds per 1,000 deltas (from /proc, during the 1 × 1 runs)`);
  const deltas = (data.longTokens * data.rounds) / 1000;
  const costRows: string[][] = [['system', 'history events', 'history bytes', 'worker CPU', 'Temporal CPU', 'API + Redis CPU', 'total']];
  for (const system of systems.filter((candidate) => candidate !== 'floor')) {
    const runs = data.history.get(system) ?? [];
    const used = data.cpu.get(system) ?? {};
    const total = Object.values(used).reduce((sum, seconds) => sum + seconds, 0);
    costRows.push([
      system,
      String(Math.round(runs.reduce((sum, run) => sum + run.events, 0) / Math.max(1, runs.length))),
      `${Math.round(runs.reduce((sum, run) => sum + run.bytes, 0) / Math.max(1, runs.length) / 1024)} KiB`,
      `${((used.worker ?? 0) / deltas).toFixed(3)} s`,
      `${((used.temporal ?? 0) / deltas).toFixed(3)} s`,
      system === 'runstream' ? `${(((used.api ?? 0) + (used.redis ?? 0)) / deltas).toFixed(3)} s` : '—',
      `${(total / deltas).toFixed(3)} s`,
    ]);
  }
  console.log(table(costRows));
  console.log(`(Temporal's idle cost with both workers polling: ${data.temporalIdlePerSecond.toFixed(3)} CPU-s per second, included above)`);
}

function firstTokenReport(first: Map<SystemName, FirstToken[]>): void {
  console.log('\nEnqueue → first delta at the viewer (overhead = minus the model\'s own time to first token)');
  const firstRows: string[][] = [['system', 'runs', 'first delta p50', 'p95', 'overhead p50', 'p95', 'runstream ÷ this (overhead p50)']];
  const ourOverhead = summarize((first.get('runstream') ?? []).map((run) => run.overhead));
  for (const system of systems) {
    const runs = first.get(system) ?? [];
    const firstDelta = summarize(runs.map((run) => run.firstDelta));
    const overhead = summarize(runs.map((run) => run.overhead));
    firstRows.push([system, String(runs.length), ms(firstDelta.p50), ms(firstDelta.p95), ms(overhead.p50), ms(overhead.p95), system === 'runstream' ? '' : ratio(ourOverhead.p50, overhead.p50)]);
  }
  console.log(table(firstRows));
  console.log('\nrunstream: where the time to first delta goes (viewer, Temporal event and model server timestamps)');
  console.log(phaseTable((first.get('runstream') ?? []).flatMap((run) => (run.phases ? [run.phases] : []))));
}
