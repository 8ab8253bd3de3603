import { defineQuery } from '@temporalio/workflow';
import type { HeldMessage } from '../activities/index.js';
import type { TranscriptRef } from '../src/blobs/transcript-ref.js';
import type { Message } from '../src/protocol/messages.js';
import type { BudgetSpent } from './budget.js';
import type { AgentRunInput } from './run-input.js';

/** Handler names shared by the workflow and its callers (API, CLI). */

export type RunPhase = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface RunProgress {
  phase: RunPhase;
  step: number;
  /** Text of the step in progress is not here: it lives in the log and the activity's checkpoint. */
  messages: Message[];
  /** Runs that keep their transcript in the blob store: it is `transcript` then `pending`, and `messages` is empty. */
  transcript?: TranscriptRef | undefined;
  pending?: HeldMessage[] | undefined;
  /** What the run was started with, so a resume can carry it on with the same model, tools and limits. */
  settings?: Omit<AgentRunInput, 'messages' | 'carried' | 'resumed' | 'transcript' | 'pending'>;
  /** What the run (with the runs it carries on) used of its budget, so a resume goes on counting from there. */
  spent?: BudgetSpent;
}

export const progressQuery = defineQuery<RunProgress>('progress');
