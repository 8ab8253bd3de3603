import type { Budget, ModelSettings, RunError } from './event-parts.js';
import type { RunStatus } from './event-types.js';
import { emptyUsage, type FinishReason, type RunResult, type Usage } from './messages.js';

/**
 * What a run looks like once its events are applied (`foldRun`): the state a
 * UI shows. Values are never mutated; each event gives a new object for what
 * it changed and keeps the rest, so a UI can compare by reference.
 */
export interface RunView {
  runId: string;
  status: RunStatus;
  model?: string;
  agent?: string;
  tools: readonly string[];
  maxSteps?: number;
  modelSettings?: ModelSettings;
  budget?: Budget;
  metadata?: Readonly<Record<string, unknown>>;
  threadId?: string;
  /** In step order; a step joined late (or rebuilt from a snapshot) starts from what was seen. */
  steps: readonly StepView[];
  /** Sum of the finished steps' usage; the run's own figure once it completed. */
  usage: Usage;
  result?: RunResult;
  error?: RunError;
  /** The interrupted assistant text of a cancelled run. */
  partial?: string;
  durationMs?: number;
  startedAt?: string;
  endedAt?: string;
  /** Set while the run reports that it cannot make progress; cleared by the next sign of progress. */
  stalled?: { reason: string; since: string; attempts: number };
  /** Tool calls waiting for a person's decision. */
  pendingApprovals: readonly PendingApproval[];
  /** For a thread's turn: its place in the thread. */
  turn?: TurnView;
  /** The id of the last event applied: resume the stream after it. */
  lastEventId?: string;
}

export interface StepView {
  step: number;
  /** The model step's attempt whose output is shown. */
  attempt: number;
  /** Applied at each delta's offset, rolled back on resume; the step's final text once it finished. */
  text: string;
  reasoning: readonly ReasoningView[];
  toolCalls: readonly ToolCallView[];
  finished: boolean;
  finishReason?: FinishReason;
  usage?: Usage;
  /** The model step failed and Temporal retries it after `delayMs`. */
  retrying?: RetryView;
}

export interface ReasoningView {
  blockId: string;
  text: string;
  finished: boolean;
  /** The provider withheld the text (it is kept encrypted for the next turn). */
  redacted: boolean;
}

export const toolCallStates = ['streaming', 'ready', 'awaiting_approval', 'denied', 'running', 'finished'] as const;
export type ToolCallState = (typeof toolCallStates)[number];

export interface ToolCallView {
  callId: string;
  name: string;
  state: ToolCallState;
  /** The arguments as the model streamed them. */
  argumentsText: string;
  /** Parsed, once the call is complete (`tool_call.ready`). */
  arguments?: unknown;
  approval?: ApprovalView;
  progress?: unknown;
  result?: unknown;
  isError?: boolean;
  /** The tool call failed and Temporal retries it after `delayMs`. */
  retrying?: RetryView;
}

export interface ApprovalView {
  state: 'pending' | 'approved' | 'denied';
  expiresAt: string;
  reason?: string;
  decidedBy?: string;
}

export interface PendingApproval {
  step: number;
  callId: string;
  name: string;
  arguments: unknown;
  expiresAt: string;
}

export interface RetryView {
  /** The attempt that comes next. */
  attempt: number;
  error: RunError;
  delayMs: number;
  /** When the failure was reported; the retry starts about `delayMs` later. */
  at: string;
}

export interface TurnView {
  threadId: string;
  turn: number;
  position: number;
  state: 'queued' | 'started' | 'finished';
}

/** A run nothing is known of yet: fold its events into it. */
export function emptyRunView(runId: string): RunView {
  return { runId, status: 'queued', tools: [], steps: [], usage: emptyUsage(), pendingApprovals: [] };
}

export const emptyStepView = (step: number, attempt = 1): StepView => ({ step, attempt, text: '', reasoning: [], toolCalls: [], finished: false });
