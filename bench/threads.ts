import { parseArgs } from 'node:util';
import { createClient } from '../src/client/index.js';
import { readEnv } from '../src/config.js';
import { startApiProcess } from '../src/processes/api-process.js';
import { startWorkerProcess } from '../src/processes/worker-process.js';
import { benchApiKey, startBenchServers } from './support/bench-stack.js';
import { percentile as percentileOfSorted } from './support/stats.js';

const percentile = (values: number[], p: number) => percentileOfSorted([...values].sort((a, b) => a - b), p);

/**
 * `npm run bench -- threads [--turns 2000]`: one thread of many short turns,
 * sent one after another (each waits for its answer), on one worker and one
 * API process. Reports time per turn (send → final event) as the thread
 * grows, every workflow run of the thread (continue-as-new) with its history
 * length and size against Temporal's suggested limits (4,096 events / 4 MB),
 * and whether the thread's event stream resumes from ids across the thread.
 */
export default async function threadsBench(): Promise<void> {
  const { values } = parseArgs({ args: process.argv.slice(2), allowPositionals: true, strict: false, options: { turns: { type: 'string' } } });
  const turns = Number(values.turns ?? 2_000);
  const servers = await startBenchServers('threads');
  const env = readEnv(servers.env) as ReturnType<typeof readEnv> & { TEMPORAL_ADDRESS: string; REDIS_URL: string };
  const worker = await startWorkerProcess(env, { log: () => undefined });
  const running = worker.run();
  const api = await startApiProcess(env, { port: 0 });
  try {
    await servers.model.call('script', { name: 'short', script: { turns: [{ text: 'ok, noted.' }] } });
    const client = createClient({ url: api.url, apiKey: benchApiKey });
    const thread = await client.threads.create({ model: 'openai:short', tools: [], maxSteps: 1 });
    const perTurn: number[] = [];
    const started = performance.now();
    for (let turn = 1; turn <= turns; turn++) {
      const at = performance.now();
      await thread.stream(`message ${turn}`).result;
      perTurn.push(performance.now() - at);
      if (turn % 250 === 0) console.log(`  ${turn} turns, last 250: p50 ${percentile(perTurn.slice(-250), 50).toFixed(0)} ms`);
    }
    const totalSeconds = (performance.now() - started) / 1000;
    const view = await thread.get();

    // Every run of the thread's workflow: continue-as-new keeps each under the suggested limits.
    const histories: { runId: string; events: number; bytes: number }[] = [];
    for await (const execution of servers.client.workflow.list({ query: `WorkflowId = '${thread.id}'` })) {
      const description = await servers.client.workflow.getHandle(thread.id, execution.runId).describe();
      const info = description.raw.workflowExecutionInfo;
      histories.push({ runId: execution.runId, events: Number(info?.historyLength ?? 0), bytes: Number(info?.historySizeBytes ?? 0) });
    }
    const turnHistory = await servers.client.workflow.getHandle(`run_${thread.id.slice(4)}t${turns}`).fetchHistory();

    // Resume from ids spread over the whole log: each read yields exactly the entries after its id.
    const all: string[] = [];
    await thread.close();
    for await (const { id } of thread.subscribe()) all.push(id);
    let resumedOk = 0;
    const probes = 5;
    for (let probe = 1; probe <= probes; probe++) {
      const index = Math.floor((all.length * probe) / (probes + 1));
      const rest: string[] = [];
      for await (const { id } of thread.subscribe({ after: all[index]! })) rest.push(id);
      if (rest.join() === all.slice(index + 1).join()) resumedOk++;
    }

    const maxEvents = Math.max(...histories.map((history) => history.events));
    const maxBytes = Math.max(...histories.map((history) => history.bytes));
    console.log(`turns: ${view.turns} in ${totalSeconds.toFixed(0)} s; per turn p50 ${percentile(perTurn, 50).toFixed(0)} ms, p99 ${percentile(perTurn, 99).toFixed(0)} ms`);
    console.log(`  first 100 turns p50 ${percentile(perTurn.slice(0, 100), 50).toFixed(0)} ms, last 100 p50 ${percentile(perTurn.slice(-100), 50).toFixed(0)} ms`);
    console.log(`thread workflow runs: ${histories.length}; largest history ${maxEvents} events, ${(maxBytes / 1024).toFixed(0)} KiB (suggested limit 4,096 events / 4,096 KiB): ${maxEvents < 4_096 && maxBytes < 4 * 1024 * 1024 ? 'under' : 'OVER'}`);
    console.log(`last turn's run: ${turnHistory.events?.length ?? 0} history events`);
    console.log(`thread stream: ${all.length} events; resumed from ${probes} ids across it: ${resumedOk}/${probes} exact`);
    if (maxEvents >= 4_096 || maxBytes >= 4 * 1024 * 1024 || resumedOk !== probes) process.exitCode = 1;
  } finally {
    await api.close();
    worker.worker.shutdown();
    await running;
    await servers.stop();
  }
}
