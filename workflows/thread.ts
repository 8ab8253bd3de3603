import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  executeChild,
  isCancellation,
  ParentClosePolicy,
  patched,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { ThreadEventInput } from '../activities/publish-thread-event.js';
import type { TranscriptRef } from '../src/blobs/transcript-ref.js';
import type { Message, RunResult, Usage } from '../src/protocol/messages.js';
import { turnRunId } from './thread-ids.js';
import type { agentRun } from './agent-run.js';
import {
  closeThreadUpdate,
  invalidMessageType,
  sendMessageUpdate,
  threadClosedType,
  threadStateQuery,
  type QueuedTurn,
  type SendMessageAnswer,
  type ThreadInput,
  type ThreadOutcome,
} from './thread-definitions.js';
import { addUsage } from './usage.js';

type Activities = ReturnType<typeof createActivities>;

// Local: a thread event is one marker in history, not three events and a server round trip.
const { publishThreadEvent } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '10 seconds' },
});

/** Idempotency keys remembered across continue-as-new: a client retrying a send retries within minutes, not thousands of turns. */
const rememberedKeys = 256;
/** Continue as new after this many updates even if Temporal does not suggest it (2,000 per history is the limit). */
const updatesPerRun = 500;
/** Continue as new past these, with room for the turn in progress to finish under the suggested 4,096 events and 4 MB. */
const historyEventsPerRun = 3_000;
const historyBytesPerRun = 3 * 1024 * 1024;

/**
 * A conversation: an entity workflow that takes messages by Update, queues
 * them and runs them one at a time, in acceptance order, each as a child
 * `agentRun` (its own run id, so a turn is a run like any other) whose input
 * is the transcript so far plus the new message. Between turns it continues
 * as new when Temporal suggests it, carrying the transcript, the queue and
 * recent idempotency keys only. Closed on request (after the turns already
 * accepted) or when idle for `idleTimeoutMs`.
 */
export async function thread(input: ThreadInput): Promise<ThreadOutcome> {
  const threadId = workflowInfo().workflowId;
  const carried = input.carried;
  let turns = carried?.turns ?? 0;
  let finishedTurns = carried?.finishedTurns ?? 0;
  // Threads keep their transcript in the blob store, the workflow only its ref: no turn's input, result or
  // continue-as-new grows with the thread. Threads started before kept it here; their next turn stores it.
  const byRef = patched('thread-transcript-by-reference');
  let transcript: TranscriptRef | undefined = carried?.transcript;
  /** Messages not in `transcript` yet: the whole transcript of a thread started before, or failed turns' inputs. */
  let messages: Message[] = carried?.messages ?? [];
  let usage: Usage = carried?.usage ?? { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
  const queue: QueuedTurn[] = [...(carried?.queue ?? [])];
  const answered = new Map<string, SendMessageAnswer>(carried?.recentKeys ?? []);
  let current: QueuedTurn | undefined;
  let closedBy: ThreadOutcome['closedBy'] | undefined;
  let updates = 0;

  // Thread events go out in the order they happen, without holding up the update that caused them.
  let publishing: Promise<unknown> = Promise.resolve();
  const publish = (event: ThreadEventInput) => (publishing = publishing.then(() => publishThreadEvent({ threadId, event })));

  setHandler(threadStateQuery, () => ({
    status: closedBy && !current && queue.length === 0 ? 'closed' : current ? 'running' : 'idle',
    turns,
    finishedTurns,
    currentRunId: current?.runId,
    queued: queue.length,
    messages,
    ...(transcript ? { transcript } : {}),
    usage,
    closedBy,
  }));

  setHandler(
    sendMessageUpdate,
    ({ messages: incoming, idempotencyKey }) => {
      updates++;
      const seen = idempotencyKey === undefined ? undefined : answered.get(idempotencyKey);
      if (seen) return seen;
      const turn = ++turns;
      const runId = turnRunId(threadId, turn);
      const position = queue.length + (current ? 1 : 0);
      queue.push({ turn, runId, messages: incoming });
      const answer: SendMessageAnswer = { threadId, runId, turn, position };
      if (idempotencyKey !== undefined) {
        answered.set(idempotencyKey, answer);
        if (answered.size > rememberedKeys) answered.delete(answered.keys().next().value!);
      }
      void publish({ type: 'turn.queued', runId, threadId, turn, position });
      return answer;
    },
    {
      // Rejected here, a message leaves nothing in history and nothing queued.
      validator: ({ messages: incoming, idempotencyKey }) => {
        if (closedBy) throw ApplicationFailure.create({ type: threadClosedType, message: `thread ${threadId} is closed`, nonRetryable: true });
        if (idempotencyKey !== undefined && answered.has(idempotencyKey)) return;
        if (!Array.isArray(incoming) || incoming.length === 0) {
          throw ApplicationFailure.create({ type: invalidMessageType, message: 'a message needs at least one input message', nonRetryable: true });
        }
      },
    },
  );

  setHandler(closeThreadUpdate, () => {
    updates++;
    closedBy ??= 'request';
    return { status: current || queue.length > 0 ? ('closing' as const) : ('closed' as const) };
  });

  for (;;) {
    if (queue.length === 0 && !closedBy) {
      if (!(await condition(() => queue.length > 0 || closedBy !== undefined, input.idleTimeoutMs))) closedBy = 'idle';
    }
    const next = queue.shift();
    if (!next) break; // closed, and every accepted turn has run
    current = next;
    await publish({ type: 'turn.started', runId: next.runId, threadId, turn: next.turn, position: 0 });
    let status: 'completed' | 'failed' | 'cancelled';
    try {
      const priorMessages = (transcript?.length ?? 0) + messages.length;
      const result = await executeChild<typeof agentRun>('agentRun', {
        workflowId: next.runId,
        args: [
          {
            ...input.settings,
            messages: [...messages, ...next.messages],
            ...(byRef ? { transcript } : {}),
            thread: { threadId, turn: next.turn, priorMessages, ...(byRef ? { byRef } : {}) },
          },
        ],
        memo: { ...input.runMemo, threadId },
        // Closing a thread by force asks its running turn to stop; it keeps what was said.
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      });
      if ('messages' in result) {
        // A turn kept inline answers with its own messages (from the user's on), whole.
        messages = [...messages, ...(result as RunResult).messages];
      } else {
        // By reference: the turn's transcript is the thread's, with the turn appended.
        transcript = result.transcript;
        messages = [];
      }
      usage = addUsage(usage, result.usage);
      status = 'completed';
    } catch (error) {
      // The user's message stays in the transcript; what the failed or cancelled run said is in that run.
      messages = [...messages, ...next.messages];
      status = isCancellation(error) ? 'cancelled' : 'failed';
    }
    finishedTurns++;
    current = undefined;
    await publish({ type: 'turn.finished', runId: next.runId, threadId, turn: next.turn, position: 0, status });
    const info = workflowInfo();
    // Before Temporal's suggestion (4,096 events / 4 MB), not after it: each run's history stays under the limits.
    const historyFull = info.continueAsNewSuggested || info.historyLength >= historyEventsPerRun || info.historySize >= historyBytesPerRun;
    if (!closedBy && (historyFull || updates >= updatesPerRun)) {
      // Every thread event published (an update may queue one while we wait), then nothing of this run is left to do.
      for (let settled = publishing; ; settled = publishing) {
        await settled;
        await condition(allHandlersFinished);
        if (settled === publishing) break;
      }
      if (closedBy) continue; // closed while we waited: finish the accepted turns here
      await continueAsNew<typeof thread>({
        ...input,
        carried: { turns, finishedTurns, messages, ...(transcript ? { transcript } : {}), usage, queue, recentKeys: [...answered.entries()] },
      });
    }
  }

  closedBy ??= 'request';
  await publish({ type: 'thread.closed', runId: threadId, threadId, turns, closedBy });
  await condition(allHandlersFinished);
  return { turns, closedBy };
}
