import { defineQuery } from '@temporalio/workflow';
import type { Message } from '../src/protocol/messages.js';
import type { AgentRunInput } from './run-input.js';

/** Handler names shared by the workflow and its callers (API, CLI). */

export type RunPhase = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface RunProgress {
  phase: RunPhase;
  step: number;
  /** Text of the step in progress is not here: it lives in the log and the activity's checkpoint. */
  messages: Message[];
  /** What the run was started with, so a resume can carry it on with the same model, tools and limits. */
  settings?: Omit<AgentRunInput, 'messages' | 'carried' | 'resumed'>;
}

export const progressQuery = defineQuery<RunProgress>('progress');
