import type { HeldMessage } from '../activities/index.js';
import type { StepCheckpoint } from '../activities/checkpoint.js';
import type { TranscriptRef } from '../src/blobs/transcript-ref.js';
import type { Budget } from '../src/protocol/event-parts.js';
import type { FinishReason, Message, Usage } from '../src/protocol/messages.js';
import type { BudgetSpent } from './budget.js';
import type { ModelSettings, StreamTimeouts } from '../src/providers/language-model.js';
import type { OutputSpec } from '../src/structured/output-spec.js';
import type { WebhookSpec } from '../src/webhooks/webhook-events.js';

/** How quickly a dead worker is noticed and how often a step is retried; tests shorten them. */
export interface DurabilitySettings {
  /** A model step or tool call whose worker stops heartbeating this long is retried elsewhere (default 10 s). */
  heartbeatTimeoutMs?: number | undefined;
  /** Attempts of one model step before the run fails (default 6). */
  modelStepMaxAttempts?: number | undefined;
  /** First retry delay; doubles up to a minute (default 1 s). */
  retryInitialIntervalMs?: number | undefined;
  /** Attempts of one tool call (default 3); at-most-once tools run at most once whatever this says. */
  toolMaxAttempts?: number | undefined;
  /** Longest a lifecycle-event publish may take before it is retried (default 1 min). */
  publishTimeoutMs?: number | undefined;
}

/** What the workflow needs to know of a tool, resolved from the catalogue when the run is enqueued. */
export interface ToolSettings {
  /** The tool activity's start-to-close timeout (default 10 minutes). */
  timeoutMs?: number;
  /** Some calls of this tool wait for a person (always, or as the tool's function says, asked in the worker). */
  needsApproval?: boolean;
  /** How long such a call waits before it counts as denied (default 24 hours). */
  approvalTimeoutMs?: number;
}

/** Workflow input: plain JSON, no secrets (keys live in the worker's environment). */
export interface AgentRunInput {
  /** The named agent the run was started from, if any (its settings are already applied here). */
  agent?: string;
  model: string;
  instructions?: string | undefined;
  /**
   * Messages inline: runs recorded before the blob store held their whole
   * transcript here; now the API sends [] and the transcript by ref.
   */
  messages: Message[];
  /** The transcript so far, in the blob store (the run's input, or what earlier runs of a continued workflow said). */
  transcript?: TranscriptRef | undefined;
  /** Messages after `transcript` not yet in it (tool results of the step before a continue-as-new). */
  pending?: HeldMessage[] | undefined;
  /**
   * Keep the whole transcript in workflow state, as runs recorded before the blob store do: for the benchmark that
   * compares both designs (`npm run bench -- long`) and the tests of that design's guards. The API never sets it.
   */
  transcriptMode?: 'inline' | undefined;
  tools: string[];
  /** Only tools with settings of their own are listed. */
  toolSettings?: Record<string, ToolSettings>;
  maxSteps: number;
  /** Tools whose calls wait for a person in this run, on top of those whose settings say `needsApproval`. */
  requireApproval?: string[] | 'all' | undefined;
  /** How long a call waits for a decision in this run (wins over the tool's own; default 24 hours). */
  approvalTimeoutMs?: number | undefined;
  /** The caller's `metadata`, passed on to `run.started` as given. */
  metadata?: Record<string, unknown> | undefined;
  /** Limits the run stops at, failing with BudgetExceededError (workflows/budget.ts); a resume may raise them. */
  budget?: Budget | undefined;
  /** Sampling settings sent with every model step. */
  modelSettings?: ModelSettings | undefined;
  timeouts?: Partial<StreamTimeouts> | undefined;
  /** Structured output: the final answer is validated against this schema and becomes `result.structuredOutput`. */
  output?: OutputSpec | undefined;
  durability?: DurabilitySettings | undefined;
  /** Where the run's end (and the events it names) is sent, signed; the secret stays in the worker's environment. */
  webhook?: WebhookSpec | undefined;
  /** Set when a run continues as new: what earlier runs of this workflow already did. */
  carried?: { steps: number; usage: Usage; lastFinishReason: FinishReason; toolCalls?: number };
  /**
   * Set for a thread's turn: the run's result holds only the messages from `priorMessages` on (its turn's).
   * `byRef`: the thread's transcript is `transcript` (turns started before kept it inline in `messages`).
   */
  thread?: { threadId: string; turn: number; priorMessages: number; byRef?: boolean } | undefined;
  /** Set when this run carries on a failed, cancelled or terminated run (`POST /v1/runs/:id/resume`). */
  resumed?: { fromRunId: string; partial?: StepCheckpoint | undefined; spent?: BudgetSpent | undefined } | undefined;
}
