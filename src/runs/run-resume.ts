import { createHash } from 'node:crypto';
import type { StepCheckpoint } from '../../activities/checkpoint.js';
import type { Message } from '../protocol/messages.js';
import type { RunProgress } from '../../workflows/definitions.js';
import type { AgentRunInput } from '../../workflows/run-input.js';
import type { ResumeRunRequest } from './run-request.js';

/**
 * The id of the run that carries on `runId` when it is resumed. Derived, not
 * stored: every API process finds it (`resumedBy`) with one describe call, and
 * concurrent resumes of one run land on one new run.
 */
export function resumedRunId(runId: string): string {
  return `run_${createHash('sha256').update(`runstream-resume\0${runId}`).digest('hex').slice(0, 26)}`;
}

/**
 * The input of the run that carries on an ended one: its durable transcript,
 * and the interrupted partial message (if the step that ended it left one) to
 * continue by prefill, or to regenerate when the model cannot continue.
 */
export function resumeInput(fromRunId: string, progress: RunProgress, request: ResumeRunRequest = {}): AgentRunInput {
  if (!progress.settings) throw new Error(`run ${fromRunId} predates resumable runs: its workflow does not report its settings`);
  const messages: Message[] = [...progress.messages];
  const last = messages.at(-1);
  let partial: StepCheckpoint | undefined;
  if (last?.role === 'assistant' && last.interrupted) {
    messages.pop();
    partial = {
      version: 1,
      text: last.content,
      textLength: last.content.length,
      loggedLength: 0,
      ...(last.reasoning?.length ? { reasoning: last.reasoning } : {}),
    };
  }
  // Steps already completed count against the limit; the one in progress when the run ended is done again.
  // So does the budget: what the run used stays used, and the resume's limits (field by field) replace the run's.
  const budget = progress.settings.budget || request.budget ? { ...progress.settings.budget, ...request.budget } : undefined;
  return {
    ...progress.settings,
    ...(budget ? { budget } : {}),
    messages,
    maxSteps: Math.max(1, progress.settings.maxSteps - Math.max(0, progress.step - 1)),
    resumed: { fromRunId, partial, ...(progress.spent ? { spent: progress.spent } : {}) },
  };
}
