import { createHash, randomBytes } from 'node:crypto';
import {
  ServiceError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import { TerminatedFailure, WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { z } from 'zod';
import { resolveMessages } from '../blobs/held-messages.js';
import { resolveRunResult, type WorkflowResult } from '../blobs/run-results.js';
import type { TranscriptStore } from '../blobs/transcript-store.js';
import { budgetSchema, modelSettingsSchema, type Budget, type ModelSettings, type RunError } from '../protocol/index.js';
import type { Message, RunResult } from '../protocol/messages.js';
import { progressQuery, type RunPhase, type RunProgress } from '../../workflows/definitions.js';
import type { AgentRunInput } from '../../workflows/run-input.js';
import { pendingApprovalsMemoKey, type PendingApprovalEntry } from '../../workflows/approval-definitions.js';
import type { CatalogueView } from '../catalogue/catalogue-reader.js';
import { resolveRun, type Refusal } from '../catalogue/resolve-run.js';
import { runStallOf, type RunStall } from '../stalls/run-stall.js';
import { errorOfTermination } from '../stalls/run-termination.js';
import type { CreateRunRequest, InputIssue, ResumeRunRequest } from './run-request.js';
import { budgetErrorFields } from '../../workflows/budget.js';
import { resumedRunId, resumeInput } from './run-resume.js';
import { decideApproval, type ApprovalRequest } from './run-approvals.js';
import type { ApprovalAnswer } from '../../workflows/approval-definitions.js';
import { webhookIssues } from '../webhooks/webhook-check.js';
import type { WebhookHosts } from '../webhooks/webhook-hosts.js';

/** `waiting`: open, with tool calls waiting for a person (`pendingApprovals`). */
export type RunStatus = RunPhase | 'waiting';

export interface RunView {
  id: string;
  status: RunStatus;
  createdAt: string;
  model: string;
  /** The named agent the run was started from. */
  agent?: string;
  /** The sampling settings every model step is sent with (the agent's, overridden by the request's). */
  modelSettings?: ModelSettings;
  /** The limits the run stops at (the agent's, overridden by the request's, or a resume's). */
  budget?: Budget;
  /** The `metadata` object the run was enqueued with, as given. */
  metadata?: Record<string, unknown>;
  result?: RunResult;
  error?: RunError;
  /** The run that carries this one on, after `POST /v1/runs/:id/resume`. */
  resumedBy?: string;
  /** The run this one carries on. */
  resumedFrom?: string;
  /** Set while the run is `running` but its workflow tasks keep failing (stalls/run-stall.ts). */
  stalled?: RunStallView;
  /** Tool calls waiting for a person's decision (status `waiting`). */
  pendingApprovals?: PendingApprovalEntry[];
}

/** What `GET /v1/runs/:id`, the run list and `run.stalled` say of a stall. */
export type RunStallView = Pick<RunStall, 'reason' | 'since' | 'attempts'>;

const stallView = (stall: RunStall | undefined): RunStallView | undefined =>
  stall ? { reason: stall.reason, since: stall.since, attempts: stall.attempts } : undefined;

export class RunConflictError extends Error {
  override readonly name = 'RunConflictError';
}

export class InvalidRunRequestError extends Error {
  override readonly name = 'InvalidRunRequestError';
  constructor(readonly issues: InputIssue[]) {
    super(issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '));
  }
}

/** The workers' catalogue cannot serve the request: two definitions under one name (409), or no worker yet (503). */
export class CatalogueRefusalError extends Error {
  override readonly name = 'CatalogueRefusalError';
  constructor(
    readonly kind: Exclude<Refusal['kind'], 'invalid'>,
    readonly issues: InputIssue[],
  ) {
    super(issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '));
  }
}

export class RunNotFoundError extends Error {
  override readonly name = 'RunNotFoundError';
  constructor(readonly runId: string) {
    super(`run ${runId} not found`);
  }
}

export interface RunServiceOptions {
  client: Client;
  taskQueue: string;
  defaultModel: string;
  /** What the live workers serve; a request naming anything else is rejected before anything starts. */
  catalogue: { read(): Promise<CatalogueView> };
  defaultMaxSteps?: number;
  /** The blob store the workers use: runs start with their input there, results and transcripts are read from it. */
  transcripts: TranscriptStore;
  /** RUNSTREAM_WEBHOOK_HOSTS: where a run's webhook may go (none listed: webhooks are refused). */
  webhookHosts?: WebhookHosts | undefined;
  /** Tells the workers at once that a run was asked to stop (its model step then heartbeats to learn it). */
  announceCancel?: ((runId: string) => Promise<void>) | undefined;
}

const grpcFailedPrecondition = 9;

export const isRunId = (value: string) => /^run_[a-z0-9]{10,40}$/.test(value);

/** Enqueue and inspect runs. A run is a workflow whose id is the run id; Temporal is the truth. */
export class RunService {
  constructor(private readonly options: RunServiceOptions) {}

  /**
   * Validates everything before starting anything, so a rejected request
   * leaves no run behind. With an idempotency key the run id is derived from
   * it, and Temporal's USE_EXISTING conflict policy makes concurrent retries
   * land on one run.
   */
  async enqueue(request: CreateRunRequest, caller: { keyId: string; runId?: string }): Promise<{ id: string; status: RunStatus }> {
    const resolved = resolveRun(request, await this.options.catalogue.read(), {
      model: this.options.defaultModel,
      maxSteps: this.options.defaultMaxSteps ?? 10,
    });
    if (!resolved.ok) {
      const { kind, issues } = resolved.refusal;
      throw kind === 'invalid' ? new InvalidRunRequestError(issues) : new CatalogueRefusalError(kind, issues);
    }
    const run = resolved.value;
    const refused = webhookIssues(run.webhook, this.options.webhookHosts);
    if (refused.length > 0) throw new InvalidRunRequestError(refused);
    const messages: Message[] = typeof request.input === 'string' ? [{ role: 'user', content: request.input }] : request.input;
    const input: AgentRunInput = {
      ...run,
      // Stored before the run starts, however large: the workflow only ever holds its ref.
      messages: [],
      transcript: await this.options.transcripts.create(messages),
      timeouts: request.timeouts,
      durability: request.durability,
      ...(request.metadata === undefined ? {} : { metadata: request.metadata }),
    };
    const id = caller.runId ?? this.runIdFor(request, caller);
    const memo = {
      model: run.model,
      ...(run.agent ? { agent: run.agent } : {}),
      ...(run.modelSettings ? { modelSettings: run.modelSettings } : {}),
      ...(run.budget ? { budget: run.budget } : {}),
      ...(request.metadata ? { metadata: request.metadata } : {}),
    };
    await this.startOnce(id, input, memo);
    // A fresh id was just started: it is queued. Only a repeated idempotent request may name a run that is further on.
    return { id, status: request.idempotencyKey ? statusOf(await this.describe(id)) : 'queued' };
  }

  /**
   * Starts the run under this id unless it exists: USE_EXISTING answers a
   * running one, REJECT_DUPLICATE keeps a finished one from starting again, so
   * concurrent or repeated requests for one id land on one run.
   */
  private async startOnce(id: string, input: AgentRunInput, memo: Record<string, unknown>): Promise<void> {
    try {
      await this.options.client.workflow.start('agentRun', {
        workflowId: id,
        taskQueue: this.options.taskQueue,
        args: [input],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        memo,
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }

  /** The id a request gets: derived from the idempotency key when there is one, so retries land on one run. */
  runIdFor(request: Pick<CreateRunRequest, 'idempotencyKey'>, caller: { keyId: string }): string {
    return request.idempotencyKey
      ? `run_${createHash('sha256').update(`${caller.keyId}\0${request.idempotencyKey}`).digest('hex').slice(0, 26)}`
      : `run_${randomBytes(13).toString('hex')}`;
  }

  /** Whether the run is still open (queued or running); for concurrency slots. */
  async isActive(runId: string): Promise<boolean> {
    try {
      return (await this.describe(runId)).status.name === 'RUNNING';
    } catch (error) {
      if (error instanceof RunNotFoundError) return false;
      throw error;
    }
  }

  /** Recent runs, newest first, from Temporal visibility (for the viewer's list page). */
  async list(options: { limit?: number; taskQueue?: string } = {}): Promise<RunSummary[]> {
    const limit = Math.min(options.limit ?? 50, 200);
    const query = `WorkflowType = 'agentRun' AND TaskQueue = '${this.options.taskQueue}'`;
    const runs: RunSummary[] = [];
    for await (const execution of this.options.client.workflow.list({ query, pageSize: limit })) {
      if (!isRunId(execution.workflowId)) continue;
      const pendingApprovals = pendingApprovalsOf(execution.memo);
      runs.push({
        id: execution.workflowId,
        status: listedStatus(execution.status.name, pendingApprovals),
        ...(pendingApprovals.length > 0 ? { pendingApprovals } : {}),
        createdAt: execution.startTime.toISOString(),
        closedAt: execution.closeTime?.toISOString(),
        model: String(execution.memo?.model ?? ''),
        ...startedWith(execution.memo),
      });
      if (runs.length >= limit) break;
    }
    // Visibility knows nothing of failing workflow tasks: open runs are asked one by one, all at once.
    await Promise.all(
      runs
        .filter((run) => run.status === 'running' || run.status === 'waiting')
        .map(async (run) => {
          const stalled = stallView(await runStallOf(this.options.client, await this.describe(run.id)).catch(() => undefined));
          if (stalled) run.stalled = stalled;
        }),
    );
    return runs;
  }

  async describe(runId: string): Promise<WorkflowExecutionDescription> {
    try {
      return await this.options.client.workflow.getHandle(runId).describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new RunNotFoundError(runId);
      throw error;
    }
  }

  async get(runId: string): Promise<RunView> {
    const description = await this.describe(runId);
    const status = statusOf(description);
    const view: RunView = {
      id: runId,
      status,
      createdAt: description.startTime.toISOString(),
      model: String(description.memo?.model ?? ''),
      ...startedWith(description.memo),
    };
    if (typeof description.memo?.resumedFrom === 'string') view.resumedFrom = description.memo.resumedFrom;
    if (status === 'waiting') view.pendingApprovals = pendingApprovalsOf(description.memo);
    if (status === 'running' || status === 'waiting') {
      const stalled = stallView(await runStallOf(this.options.client, description));
      if (stalled) view.stalled = stalled;
    }
    if (status === 'failed' || status === 'cancelled') {
      const next = await this.find(resumedRunId(runId));
      if (next) view.resumedBy = next.workflowId;
    }
    if (status === 'completed' || status === 'failed') {
      try {
        const result: WorkflowResult = await this.options.client.workflow.getHandle(runId).result();
        view.result = await resolveRunResult(this.options.transcripts, result);
      } catch (error) {
        view.error = describeWorkflowError(error);
      }
    }
    return view;
  }

  private async find(runId: string): Promise<WorkflowExecutionDescription | undefined> {
    try {
      return await this.describe(runId);
    } catch (error) {
      if (error instanceof RunNotFoundError) return undefined;
      throw error;
    }
  }

  /**
   * Asks the run to stop: the workflow cancels its model step or tools (they
   * stop within a heartbeat), keeps the partial text and ends `cancelled`.
   * Cancelling a run that already ended cancelled is a no-op.
   */
  async cancel(runId: string): Promise<{ id: string; status: RunStatus }> {
    const status = statusOf(await this.describe(runId));
    if (status === 'completed' || status === 'failed') throw new RunConflictError(`run ${runId} already ended ${status}; there is nothing to cancel`);
    if (status !== 'cancelled') {
      await this.options.client.workflow.getHandle(runId).cancel();
      await this.options.announceCancel?.(runId);
    }
    return { id: runId, status };
  }

  /**
   * Carries on a run that failed, was cancelled or terminated, as a new run
   * seeded with its transcript and interrupted partial message. Resuming a run
   * that was already resumed follows the chain to its newest run: that one is
   * answered while it runs or once it completed, resumed when it ended too.
   */
  async resume(runId: string, request: ResumeRunRequest = {}): Promise<{ id: string }> {
    let current = await this.describe(runId);
    for (let next = await this.find(resumedRunId(current.workflowId)); next; next = await this.find(resumedRunId(current.workflowId))) {
      current = next;
    }
    const status = statusOf(current);
    if (status !== 'failed' && status !== 'cancelled') {
      if (current.workflowId !== runId) return { id: current.workflowId };
      throw new RunConflictError(`run ${runId} is ${status}; only failed, cancelled or terminated runs can be resumed`);
    }
    const progress = await this.options.client.workflow
      .getHandle(current.workflowId)
      .query(progressQuery)
      .catch((error: unknown) => {
        // Ended before a worker ever ran it (terminated while queued): it has no transcript to carry on.
        if (error instanceof ServiceError && (error.cause as { code?: number } | undefined)?.code === grpcFailedPrecondition) {
          throw new RunConflictError(`run ${runId} ended before it started; there is nothing to resume: enqueue it again`);
        }
        throw error;
      });
    const carried = resumeInput(current.workflowId, { ...progress, messages: await this.transcriptOf(progress) }, request);
    const input: AgentRunInput = { ...carried, messages: [], transcript: await this.options.transcripts.create(carried.messages) };
    const id = resumedRunId(current.workflowId);
    await this.startOnce(id, input, { ...current.memo, model: input.model, ...(input.budget ? { budget: input.budget } : {}), resumedFrom: current.workflowId });
    return { id };
  }

  /** Approves or denies a tool call waiting in the run (404, 409 or 400 as `ApprovalRefusedError`). */
  approve(runId: string, callId: string, request: ApprovalRequest, caller: { keyId: string }): Promise<ApprovalAnswer> {
    return decideApproval({ client: this.options.client, status: async (id) => statusOf(await this.describe(id)) }, { runId, callId }, request, caller);
  }

  /** The transcript so far, from the workflow (used for snapshots). */
  async messages(runId: string): Promise<Message[]> {
    return this.transcriptOf(await this.options.client.workflow.getHandle(runId).query(progressQuery));
  }

  /** A run's transcript as its progress reports it: inline (runs recorded before the blob store) or by ref. */
  private transcriptOf(progress: RunProgress): Promise<Message[]> {
    if (!progress.transcript && !progress.pending) return Promise.resolve(progress.messages);
    return resolveMessages(this.options.transcripts, progress.transcript, progress.pending);
  }
}

export interface RunSummary {
  id: string;
  status: RunStatus;
  createdAt: string;
  closedAt?: string | undefined;
  model: string;
  agent?: string;
  modelSettings?: ModelSettings;
  budget?: Budget;
  stalled?: RunStallView;
  metadata?: Record<string, unknown>;
  pendingApprovals?: PendingApprovalEntry[];
}

const metadataSchema = z.record(z.string(), z.unknown());

/** The agent, model settings and metadata a run was started with, from its memo (read back like any stored input). */
function startedWith(memo: Record<string, unknown> | undefined): Pick<RunView, 'agent' | 'modelSettings' | 'budget' | 'metadata'> {
  const settings = modelSettingsSchema.safeParse(memo?.modelSettings);
  const budget = budgetSchema.safeParse(memo?.budget);
  const metadata = metadataSchema.safeParse(memo?.metadata);
  return {
    ...(typeof memo?.agent === 'string' ? { agent: memo.agent } : {}),
    ...(memo?.modelSettings !== undefined && settings.success ? { modelSettings: settings.data } : {}),
    ...(memo?.budget !== undefined && budget.success ? { budget: budget.data } : {}),
    ...(memo?.metadata !== undefined && metadata.success ? { metadata: metadata.data } : {}),
  };
}

const pendingApprovalsSchema = z.array(
  z.object({ step: z.number(), callId: z.string(), name: z.string(), arguments: z.unknown(), expiresAt: z.string() }).transform((entry): PendingApprovalEntry => entry),
);

/** The calls waiting for a person, as the workflow keeps them in its memo (read back like any stored input). */
function pendingApprovalsOf(memo: Record<string, unknown> | undefined): PendingApprovalEntry[] {
  const parsed = pendingApprovalsSchema.safeParse(memo?.[pendingApprovalsMemoKey] ?? []);
  return parsed.success ? parsed.data : [];
}

/** Visibility has no history length, so an open run is listed as running (or waiting, by its memo). */
function listedStatus(name: string, pendingApprovals: PendingApprovalEntry[] = []): RunStatus {
  if (name === 'RUNNING' || name === 'CONTINUED_AS_NEW') return pendingApprovals.length > 0 ? 'waiting' : 'running';
  if (name === 'COMPLETED') return 'completed';
  if (name === 'CANCELLED') return 'cancelled';
  return 'failed';
}

export function statusOf(description: WorkflowExecutionDescription): RunStatus {
  switch (description.status.name) {
    case 'RUNNING':
    case 'CONTINUED_AS_NEW':
      // Started and first task scheduled, nothing picked up yet: no worker has begun the run.
      if (description.historyLength <= 2) return 'queued';
      return pendingApprovalsOf(description.memo).length > 0 ? 'waiting' : 'running';
    case 'COMPLETED':
      return 'completed';
    case 'PAUSED':
      // Paused by an operator: still open, and it carries on when unpaused.
      return 'running';
    case 'CANCELLED':
      return 'cancelled';
    case 'FAILED':
    case 'TERMINATED':
    case 'TIMED_OUT':
    case 'UNKNOWN':
    case 'UNSPECIFIED':
      return 'failed';
  }
}

function describeWorkflowError(error: unknown): RunError {
  let cause: unknown = error instanceof WorkflowFailedError ? error.cause : error;
  // A run failed from outside (its payload over the limit) carries its typed error in the termination reason.
  if (cause instanceof TerminatedFailure) return errorOfTermination(cause.message) ?? { type: 'TerminatedFailure', message: cause.message, retryable: false };
  // The interesting part is the innermost failure (an ApplicationFailure from an activity).
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  if (cause instanceof Error) {
    const failure = cause as Error & { type?: string; nonRetryable?: boolean; details?: unknown[] };
    const budget = budgetErrorFields(failure.type, failure.details?.[0]);
    return { type: failure.type ?? failure.name, message: failure.message, retryable: failure.nonRetryable !== true, ...budget };
  }
  return { type: 'Error', message: String(cause), retryable: false };
}
