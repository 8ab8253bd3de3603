import { parseArgs } from 'node:util';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { AgentRunInput } from '../workflows/run-input.js';
import { startBenchServers, type BenchServers } from './support/bench-stack.js';
import { CpuWindow } from './support/proc-stats.js';
import { startRole } from './support/role-process.js';
import { kib, table } from './support/stats.js';

/**
 * `npm run bench -- checkpoints`: what a model step's heartbeat checkpoints
 * cost the Temporal server. `--runs` concurrent runs, each one model step of
 * `--chars` characters streamed at `--chars-per-second`, on one worker
 * process; Temporal's CPU seconds over the window (from /proc, its idle rate
 * subtracted), history per run, and the largest heartbeat details seen in a
 * pending activity (sampled with DescribeWorkflowExecution). Run it on two
 * checkouts back to back to compare checkpoint formats.
 */

interface Sample {
  maxDetailsBytes: number;
  samples: number;
}

async function largestDetails(servers: BenchServers, workflowIds: string[], sample: Sample, stop: AbortSignal): Promise<void> {
  while (!stop.aborted) {
    for (const workflowId of workflowIds.slice(0, 5)) {
      const description = await servers.client.workflow.getHandle(workflowId).describe().catch(() => undefined);
      for (const activity of description?.raw.pendingActivities ?? []) {
        const payload = activity.heartbeatDetails?.payloads?.[0];
        if (!payload) continue;
        sample.samples++;
        sample.maxDetailsBytes = Math.max(sample.maxDetailsBytes, payload.data?.length ?? 0);
        defaultPayloadConverter.fromPayload(payload as Payload); // a real checkpoint, not an empty heartbeat
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export default async function checkpointsBench(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      runs: { type: 'string', default: '20' },
      chars: { type: 'string', default: '40000' },
      'chars-per-second': { type: 'string', default: '1000' },
    },
    allowPositionals: true,
  });
  const runs = Number(values.runs);
  const chars = Number(values.chars);
  const chunk = 20;
  const delayMs = Math.max(1, Math.round((1000 * chunk) / Number(values['chars-per-second'])));
  const servers = await startBenchServers('checkpoints');
  const worker = await startRole('worker', { env: servers.env });
  try {
    const model = 'checkpoints';
    const text = 'word '.repeat(Math.ceil(chars / 5)).slice(0, chars);
    await servers.model.call('scripts', { names: [model], script: { turns: [{ text, chunkSize: chunk, delayMs }] } });
    await servers.model.call('scripts', { names: ['warm'], script: { turns: [{ text: 'warm', chunkSize: chunk, delayMs }] } });
    const input = (index: number): AgentRunInput => ({ model: `openai:${model}`, messages: [{ role: 'user', content: `run ${index}` }], tools: [], maxSteps: 1 });
    // Warm-up: the workflow bundle and the connections, outside the window.
    await servers.client.workflow.execute('agentRun', { workflowId: 'warm-up', taskQueue: servers.env.RUNSTREAM_TASK_QUEUE!, args: [{ ...input(-1), model: 'openai:warm' }] })
    const idle = new CpuWindow({ temporal: servers.temporal.pid });
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const idlePerSecond = (idle.stop().temporal ?? 0) / 5;

    const cpu = new CpuWindow({ temporal: servers.temporal.pid, worker: worker.pid });
    const startedAt = Date.now();
    const ids = Array.from({ length: runs }, (_, index) => `checkpoints-${index}`);
    const stop = new AbortController();
    const sample: Sample = { maxDetailsBytes: 0, samples: 0 };
    const sampling = largestDetails(servers, ids, sample, stop.signal);
    const results = await Promise.allSettled(
      ids.map((workflowId, index) => servers.client.workflow.execute('agentRun', { workflowId, taskQueue: servers.env.RUNSTREAM_TASK_QUEUE!, args: [input(index)] })),
    );
    const seconds = (Date.now() - startedAt) / 1000;
    const used = cpu.stop();
    stop.abort();
    await sampling;
    const histories = await Promise.all(
      ids.map(async (workflowId) => {
        const info = (await servers.client.workflow.getHandle(workflowId).describe()).raw.workflowExecutionInfo;
        return { events: Number(info?.historyLength ?? 0), bytes: Number(info?.historySizeBytes ?? 0) };
      }),
    );
    const completed = results.filter((result) => result.status === 'fulfilled').length;
    const temporal = used.temporal ?? 0;
    console.log(`${runs} concurrent runs, one model step of ${chars} characters at ${values['chars-per-second']} chars/s each, one worker process`);
    console.log(
      table([
        ['completed', 'window', 'Temporal CPU', 'Temporal CPU − idle', 'per run', 'worker CPU', 'history events/run', 'history bytes/run', 'largest heartbeat details'],
        [
          `${completed}/${runs}`,
          `${seconds.toFixed(1)} s`,
          `${temporal.toFixed(2)} s`,
          `${(temporal - idlePerSecond * seconds).toFixed(2)} s`,
          `${((temporal - idlePerSecond * seconds) / runs).toFixed(3)} s`,
          `${(used.worker ?? 0).toFixed(2)} s`,
          `${Math.max(...histories.map((history) => history.events))}`,
          kib(Math.max(...histories.map((history) => history.bytes))),
          `${kib(sample.maxDetailsBytes)} (${sample.samples} samples)`,
        ],
      ]),
    );
    if (completed < runs) process.exitCode = 1;
  } finally {
    await worker.stop().catch(() => undefined);
    await servers.stop();
  }
}
