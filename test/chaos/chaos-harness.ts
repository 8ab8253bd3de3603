import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import { openBlobStore } from '../../src/blobs/open-blob-store.js';
import { TranscriptStore } from '../../src/blobs/transcript-store.js';
import { followRun } from '../../src/bus/follow-run.js';
import { LiveSubscriptions } from '../../src/bus/live-subscriptions.js';
import { RunLog } from '../../src/bus/run-log.js';
import { readEnv } from '../../src/config.js';
import type { ParsedRunEvent } from '../../src/protocol/index.js';
import type { Script } from '../../src/demo/script.js';
import type { RunResult } from '../../src/protocol/messages.js';
import type { AgentRunInput } from '../../workflows/run-input.js';
import { runResultOf } from '../support/run-results.js';
import { rebuildStepReasoning, rebuildStepTexts, reasoningOf } from '../support/transcript-replay.js';
import { chaosKeys } from './chaos-tools.js';
import { ChildWorker } from './child-worker.js';
import { compareTexts, rolledBackCharacters, scriptText } from './chaos-metrics.js';

export interface ChaosOptions {
  kills: number;
  temporal: Client;
  /** Two connections: commands and subscriber. */
  redis: { commands: Redis; subscriber: Redis };
  registerScript: (name: string, script: Script) => Promise<void>;
  /** Environment of the child worker (servers, task queue, key prefix, bundle path). */
  workerEnv: Record<string, string>;
  taskQueue: string;
  keyPrefix: string;
  concurrentRuns?: number;
  log?: (line: string) => void;
}

export interface RunCheck {
  runId: string;
  completed: boolean;
  viewerMatchesTranscript: boolean;
  /** The reasoning viewers rebuilt (deltas, rollbacks on `step.resumed`) equals the transcript's blocks, which are the script's. */
  reasoningMatchesTranscript: boolean;
  transcriptMatchesScript: boolean;
  charactersLost: number;
  charactersDuplicated: number;
  historyEvents: number;
  steps: number;
}

export interface ChaosReport {
  kills: { total: number; streaming: number; tool: number };
  runs: RunCheck[];
  charactersLost: number;
  charactersDuplicated: number;
  /** Executions of an idempotent tool beyond the first for a call id (its side effect still applied once). */
  toolsReExecuted: number;
  /** Side effects applied more than once for a call id, or at-most-once tools invoked twice: must be 0. */
  toolEffectsDuplicated: number;
  secondsRegenerated: number;
  maxHistoryEvents: number;
  seconds: number;
}

const chunkSize = 5;
const delayMs = 12;
const secondsPerChar = delayMs / chunkSize / 1000;

/** Two model steps around two tool calls, each reasoning first, streamed slowly so kills land mid-stream. */
function chaosScript(seed: number): { script: Script; texts: [string, string]; reasoning: [string, string] } {
  const texts: [string, string] = [scriptText(seed, 45), scriptText(seed + 1000, 140)];
  const reasoning: [string, string] = [scriptText(seed + 500, 10), scriptText(seed + 1500, 10)];
  return {
    texts,
    reasoning,
    script: {
      failures: [],
      turns: [
        { reasoning: reasoning[0], text: texts[0], chunkSize, delayMs, toolCalls: [{ name: 'record_effect', arguments: { label: `r${seed}` } }, { name: 'once_only', arguments: { label: `o${seed}` } }] },
        { reasoning: reasoning[1], text: texts[1], chunkSize, delayMs },
      ],
    },
  };
}

interface Watched {
  runId: string;
  texts: [string, string];
  reasoning: [string, string];
  events: ParsedRunEvent[];
  done: Promise<void>;
}

/**
 * Starts runs on a child worker, SIGKILLs it while a run streams or a tool
 * runs, restarts it, and checks every run once it ends (see README "Chaos").
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const say = options.log ?? (() => undefined);
  const log = new RunLog(options.redis.commands, { keyPrefix: options.keyPrefix });
  const live = new LiveSubscriptions(options.redis.subscriber);
  const worker = new ChildWorker(options.workerEnv);
  // The workers' blob store (their environment names it), where each run's transcript is.
  const transcripts = new TranscriptStore(openBlobStore(readEnv(options.workerEnv)));
  const kills = { total: 0, streaming: 0, tool: 0 };
  const watched: Watched[] = [];
  let lastActivity: { kind: 'streaming' | 'tool'; at: number } | undefined;
  let seed = Number.parseInt(randomBytes(2).toString('hex'), 16);

  const startRun = async (): Promise<Watched> => {
    const { script, texts, reasoning } = chaosScript(++seed);
    const model = `chaos-${randomBytes(5).toString('hex')}`;
    await options.registerScript(model, script);
    const runId = `run_${randomBytes(13).toString('hex')}`;
    const input: AgentRunInput = {
      model: `openai:${model}`,
      messages: [{ role: 'user', content: `chaos ${seed}` }],
      tools: ['record_effect', 'once_only'],
      maxSteps: 4,
      durability: { heartbeatTimeoutMs: 2_000, modelStepMaxAttempts: 100, toolMaxAttempts: 100, retryInitialIntervalMs: 100, publishTimeoutMs: 5_000 },
    };
    const events: ParsedRunEvent[] = [];
    const followed = (async () => {
      for await (const entry of followRun(log, live, runId)) {
        events.push(entry.event);
        const event = entry.event;
        if (event.type === 'text.delta') lastActivity = { kind: 'streaming', at: Date.now() };
        if (event.type === 'tool.started') lastActivity = { kind: 'tool', at: Date.now() };
      }
    })();
    const handle = await options.temporal.workflow.start('agentRun', { workflowId: runId, taskQueue: options.taskQueue, args: [input], workflowTaskTimeout: '2 seconds' });
    // The round ends when the workflow has closed, not just when its last event reached the log.
    const closed = Promise.all([followed, handle.result().catch(() => undefined)]).then(() => undefined);
    return { runId, texts, reasoning, events, done: closed };
  };

  await worker.start();
  try {
    while (kills.total < options.kills) {
      const round = await Promise.all(Array.from({ length: options.concurrentRuns ?? 3 }, startRun));
      watched.push(...round);
      say(`started ${round.map((run) => run.runId).join(', ')}`);
      let roundOver = false;
      const roundDone = Promise.all(round.map((run) => run.done)).then(() => {
        roundOver = true;
      });
      while (!roundOver && kills.total < options.kills) {
        // Wait for output or a tool to start after the last restart, then kill a random moment later.
        const since = Date.now();
        const want: 'streaming' | 'tool' = kills.total % 3 === 2 ? 'tool' : 'streaming';
        while (!roundOver && Date.now() - since < 8_000 && !(lastActivity && lastActivity.at > since && (lastActivity.kind === want || Date.now() - since > 4_000))) {
          await sleep(20);
        }
        if (roundOver) break;
        await sleep(Math.floor(Math.random() * 300));
        const kind = lastActivity?.kind ?? 'streaming';
        await worker.kill();
        kills.total++;
        kills[kind]++;
        say(`kill ${kills.total} (${kind})`);
        await worker.start();
      }
      say('waiting for the round to end');
      await roundDone;
    }
  } finally {
    await worker.stop();
  }

  const keys = chaosKeys(options.keyPrefix);
  const runs: RunCheck[] = [];
  let toolsReExecuted = 0;
  let toolEffectsDuplicated = 0;
  let secondsRegenerated = 0;
  for (const run of watched) {
    const handle = options.temporal.workflow.getHandle(run.runId);
    let result: RunResult | undefined;
    try {
      result = await runResultOf(handle, transcripts);
    } catch {
      result = undefined;
    }
    const history = await handle.fetchHistory();
    const shown = rebuildStepTexts(run.events);
    const assistantTexts = (result?.messages ?? []).filter((message) => message.role === 'assistant').map((message) => message.content);
    let lost = 0;
    let duplicated = 0;
    assistantTexts.forEach((text, index) => {
      const compared = compareTexts(text, shown.get(index + 1) ?? '');
      lost += compared.lost;
      duplicated += compared.duplicated;
    });
    const shownReasoning = rebuildStepReasoning(run.events);
    const assistants = (result?.messages ?? []).flatMap((message) => (message.role === 'assistant' ? [message] : []));
    const reasoningMatches =
      assistants.length === 2 &&
      assistants.every((message, index) => {
        const transcript = reasoningOf(message);
        return JSON.stringify(shownReasoning.get(index + 1) ?? []) === JSON.stringify(transcript) && transcript.map((block) => block.text).join('') === run.reasoning[index];
      });
    secondsRegenerated += rolledBackCharacters(run.events) * secondsPerChar;
    for (const message of result?.messages ?? []) {
      if (message.role !== 'assistant') continue;
      for (const call of message.toolCalls ?? []) {
        const key = `${run.runId}:${call.callId}`;
        const invocations = Number((await options.redis.commands.get(keys.invocations(key))) ?? 0);
        if (call.name === 'record_effect') {
          const effects = Number((await options.redis.commands.get(keys.effects(key))) ?? 0);
          toolsReExecuted += Math.max(0, invocations - 1);
          toolEffectsDuplicated += Math.max(0, effects - 1) + (effects === 0 ? 1 : 0);
        } else {
          toolEffectsDuplicated += Math.max(0, invocations - 1);
        }
      }
    }
    runs.push({
      runId: run.runId,
      completed: result !== undefined,
      viewerMatchesTranscript: result !== undefined && lost === 0 && duplicated === 0,
      reasoningMatchesTranscript: reasoningMatches,
      transcriptMatchesScript: assistantTexts.length === 2 && assistantTexts[0] === run.texts[0] && assistantTexts[1] === run.texts[1],
      charactersLost: lost,
      charactersDuplicated: duplicated,
      historyEvents: history.events?.length ?? 0,
      steps: result?.steps ?? 0,
    });
  }
  return {
    kills,
    runs,
    charactersLost: runs.reduce((sum, run) => sum + run.charactersLost, 0),
    charactersDuplicated: runs.reduce((sum, run) => sum + run.charactersDuplicated, 0),
    toolsReExecuted,
    toolEffectsDuplicated,
    secondsRegenerated: Math.round(secondsRegenerated * 10) / 10,
    maxHistoryEvents: Math.max(0, ...runs.map((run) => run.historyEvents)),
    seconds: Math.round((Date.now() - started) / 1000),
  };
}

export function formatReport(report: ChaosReport): string {
  return [
    `kills: ${report.kills.total} (${report.kills.streaming} while streaming, ${report.kills.tool} during tool calls)`,
    `runs: ${report.runs.length} (${report.runs.filter((run) => run.completed).length} completed, ${report.runs.filter((run) => run.transcriptMatchesScript).length} transcripts equal to the script)`,
    `runs whose viewers' reasoning differs from the transcript: ${report.runs.filter((run) => !run.reasoningMatchesTranscript).length}`,
    `characters lost: ${report.charactersLost}`,
    `characters duplicated: ${report.charactersDuplicated}`,
    `tools re-executed: ${report.toolsReExecuted} (side effects duplicated: ${report.toolEffectsDuplicated})`,
    `seconds of output regenerated after a kill: ${report.secondsRegenerated}`,
    `largest history: ${report.maxHistoryEvents} events`,
    `took: ${report.seconds}s`,
  ].join('\n');
}
