import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { TranscriptRef } from '../src/blobs/transcript-ref.js';
import type { Message, Usage } from '../src/protocol/messages.js';
import type { AgentRunInput } from './run-input.js';

/** Handler names and shapes of the thread workflow, shared with its callers (API, tests). */

/** `waiting` is reported by the API when the running turn waits for a person; the workflow knows idle, running and closed. */
export type ThreadStatus = 'idle' | 'running' | 'waiting' | 'closed';

/** What every turn's run is started with; its messages are the thread's transcript plus the new ones. */
export type ThreadRunSettings = Omit<AgentRunInput, 'messages' | 'carried' | 'resumed' | 'thread'>;

export interface SendMessageArgs {
  /** The user's message(s) of this turn, already validated by the API. */
  messages: Message[];
  idempotencyKey?: string | undefined;
}

export interface SendMessageAnswer {
  threadId: string;
  /** The turn's run: GET /v1/runs/:id, its events, cancel and resume work on it. */
  runId: string;
  turn: number;
  /** Turns ahead of this one when it was accepted (0: it runs now). */
  position: number;
}

export interface QueuedTurn {
  turn: number;
  runId: string;
  messages: Message[];
}

export interface ThreadState {
  status: Exclude<ThreadStatus, 'waiting'>;
  /** Turns accepted so far (finished, running and queued). */
  turns: number;
  finishedTurns: number;
  /** The running turn's run id. */
  currentRunId?: string | undefined;
  queued: number;
  /** The transcript of every finished turn: `transcript` (in the blob store) then `messages`. */
  messages: Message[];
  transcript?: TranscriptRef | undefined;
  usage: Usage;
  closedBy?: 'request' | 'idle' | undefined;
}

export interface ThreadInput {
  settings: ThreadRunSettings;
  /** A thread with no message for this long closes itself (RUNSTREAM_THREAD_IDLE_DAYS). */
  idleTimeoutMs: number;
  /** What the memo of each turn's run holds (model, agent, metadata), so GET /v1/runs/:id reads as for any run. */
  runMemo?: Record<string, unknown>;
  /** Set when the thread continues as new: only what the next turns need. */
  carried?: {
    turns: number;
    finishedTurns: number;
    /** Messages after `transcript` (threads started before transcripts were stored kept them all here). */
    messages: Message[];
    transcript?: TranscriptRef | undefined;
    usage: Usage;
    queue: QueuedTurn[];
    /** Answers to recent idempotency keys, newest last (bounded). */
    recentKeys: [string, SendMessageAnswer][];
  };
}

export interface ThreadOutcome {
  turns: number;
  closedBy: 'request' | 'idle';
}

export const sendMessageUpdate = defineUpdate<SendMessageAnswer, [SendMessageArgs]>('sendMessage');
export const closeThreadUpdate = defineUpdate<{ status: 'closed' | 'closing' }>('close');
export const threadStateQuery = defineQuery<ThreadState>('threadState');

/** Failure types of rejected updates, so the API can answer with the right status. */
export const threadClosedType = 'ThreadClosed';
export const invalidMessageType = 'InvalidMessage';
