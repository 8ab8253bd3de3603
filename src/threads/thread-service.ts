import { createHash, randomBytes } from 'node:crypto';
import { webhookIssues } from '../webhooks/webhook-check.js';
import type { WebhookHosts } from '../webhooks/webhook-hosts.js';
import { WorkflowUpdateFailedError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, WorkflowNotFoundError } from '@temporalio/common';
import { resolveMessages } from '../blobs/held-messages.js';
import type { TranscriptStore } from '../blobs/transcript-store.js';
import type { Message, Usage } from '../protocol/messages.js';
import type { CatalogueView } from '../catalogue/catalogue-reader.js';
import { resolveRun } from '../catalogue/resolve-run.js';
import { CatalogueRefusalError, InvalidRunRequestError, type RunService } from '../runs/run-service.js';
import {
  closeThreadUpdate,
  invalidMessageType,
  sendMessageUpdate,
  threadClosedType,
  threadStateQuery,
  type SendMessageAnswer,
  type ThreadInput,
  type ThreadOutcome,
  type ThreadState,
  type ThreadStatus,
} from '../../workflows/thread-definitions.js';
import { isThreadId, threadOfRun } from '../../workflows/thread-ids.js';
import type { CreateThreadRequest, SendMessageRequest } from './thread-request.js';

export class ThreadNotFoundError extends Error {
  override readonly name = 'ThreadNotFoundError';
  constructor(readonly threadId: string) {
    super(`thread ${threadId} not found`);
  }
}

/** A message to a closed thread, or a message the workflow refused: nothing was queued. */
export class ThreadRefusedError extends Error {
  override readonly name = 'ThreadRefusedError';
  constructor(
    readonly kind: 'closed' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

export interface ThreadView {
  id: string;
  status: ThreadStatus;
  createdAt: string;
  model: string;
  /** Turns accepted so far: finished, running and queued. */
  turns: number;
  /** The transcript of every finished turn. */
  messages: Message[];
  usage: Usage;
  /** The running turn's run. */
  currentRunId?: string;
  queued: number;
  closedBy?: 'request' | 'idle';
}

export interface ThreadServiceOptions {
  client: Client;
  taskQueue: string;
  defaultModel: string;
  catalogue: { read(): Promise<CatalogueView> };
  runs: RunService;
  /** RUNSTREAM_THREAD_IDLE_DAYS. */
  idleDays: number;
  defaultMaxSteps?: number;
  /** RUNSTREAM_WEBHOOK_HOSTS: where its turns' webhook may go. */
  webhookHosts?: WebhookHosts | undefined;
  /** Where a thread's transcript is kept (the workflow holds its ref). */
  transcripts: TranscriptStore;
}

/** Create, message, read and close threads. A thread is a workflow whose id is the thread id; Temporal is the truth. */
export class ThreadService {
  constructor(private readonly options: ThreadServiceOptions) {}

  /** Resolves the settings every turn runs with before anything starts; the same idempotency key answers the same thread. */
  async create(request: CreateThreadRequest, caller: { keyId: string }): Promise<{ id: string }> {
    const resolved = resolveRun({ ...request, input: 'thread' }, await this.options.catalogue.read(), {
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
    const runMemo = {
      model: run.model,
      ...(run.agent ? { agent: run.agent } : {}),
      ...(run.modelSettings ? { modelSettings: run.modelSettings } : {}),
      ...(request.metadata ? { metadata: request.metadata } : {}),
    };
    const input: ThreadInput = {
      settings: { ...run, timeouts: request.timeouts, durability: request.durability },
      idleTimeoutMs: Math.round(this.options.idleDays * 24 * 3600 * 1000),
      runMemo,
    };
    const id = request.idempotencyKey
      ? `thr_${createHash('sha256').update(`thread\0${caller.keyId}\0${request.idempotencyKey}`).digest('hex').slice(0, 26)}`
      : `thr_${randomBytes(13).toString('hex')}`;
    try {
      await this.options.client.workflow.start('thread', {
        workflowId: id,
        taskQueue: this.options.taskQueue,
        args: [input],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        memo: runMemo,
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
    return { id };
  }

  /**
   * Queues a turn: answers as soon as the workflow accepted it (its update
   * validator refuses a closed thread before anything is written).
   */
  async send(threadId: string, request: SendMessageRequest): Promise<SendMessageAnswer> {
    const messages: Message[] = typeof request.input === 'string' ? [{ role: 'user', content: request.input }] : request.input;
    const handle = this.handle(threadId);
    try {
      return await handle.executeUpdate(sendMessageUpdate, { args: [{ messages, idempotencyKey: request.idempotencyKey }] });
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
        if (error.cause.type === threadClosedType) throw new ThreadRefusedError('closed', error.cause.message);
        if (error.cause.type === invalidMessageType) throw new ThreadRefusedError('invalid', error.cause.message);
      }
      // An update to a workflow that already ended: the thread closed (or never was).
      if (error instanceof WorkflowNotFoundError) {
        await this.describe(threadId);
        throw new ThreadRefusedError('closed', `thread ${threadId} is closed`);
      }
      throw error;
    }
  }

  /** Closes after the turns already accepted; closing a closed thread is a no-op. */
  async close(threadId: string): Promise<{ id: string; status: 'closed' | 'closing' }> {
    const description = await this.describe(threadId);
    if (description.status.name !== 'RUNNING') return { id: threadId, status: 'closed' };
    try {
      const { status } = await this.handle(threadId).executeUpdate(closeThreadUpdate);
      return { id: threadId, status };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return { id: threadId, status: 'closed' };
      throw error;
    }
  }

  async get(threadId: string): Promise<ThreadView> {
    const description = await this.describe(threadId);
    const state = await this.state(threadId, description);
    let status: ThreadStatus = description.status.name === 'RUNNING' || description.status.name === 'CONTINUED_AS_NEW' ? state.status : 'closed';
    // A turn waiting for a person's approval makes its thread wait too.
    if (status === 'running' && state.currentRunId && (await this.options.runs.get(state.currentRunId).catch(() => undefined))?.status === 'waiting') {
      status = 'waiting';
    }
    return {
      id: threadId,
      status,
      createdAt: description.startTime.toISOString(),
      model: String(description.memo?.model ?? ''),
      turns: state.turns,
      messages: state.transcript ? await resolveMessages(this.options.transcripts, state.transcript, state.messages) : state.messages,
      usage: state.usage,
      ...(state.currentRunId ? { currentRunId: state.currentRunId } : {}),
      queued: state.queued,
      ...(state.closedBy ? { closedBy: state.closedBy } : {}),
    };
  }

  /** Whether `runId` is a turn its thread accepted and has not finished (asked when its run does not exist yet). */
  async hasQueuedTurn(runId: string): Promise<boolean> {
    const turn = threadOfRun(runId);
    if (!turn) return false;
    try {
      const state = await this.handle(turn.threadId).query(threadStateQuery);
      // Accepted and not finished: queued, or about to be started by the thread.
      return turn.turn <= state.turns && turn.turn > state.finishedTurns;
    } catch {
      return false;
    }
  }

  /** Whether the thread's workflow has ended (closed, or stopped from outside). */
  async isClosed(threadId: string): Promise<boolean> {
    return (await this.describe(threadId)).status.name !== 'RUNNING';
  }

  async describe(threadId: string): Promise<WorkflowExecutionDescription> {
    if (!isThreadId(threadId)) throw new ThreadNotFoundError(threadId);
    try {
      return await this.handle(threadId).describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new ThreadNotFoundError(threadId);
      throw error;
    }
  }

  /** The workflow's own view; for a closed thread no worker may be left to answer, so its result stands in. */
  private async state(threadId: string, description: WorkflowExecutionDescription): Promise<ThreadState> {
    try {
      return await this.handle(threadId).query(threadStateQuery);
    } catch (error) {
      if (description.status.name === 'RUNNING') throw error;
      const outcome = (await this.handle(threadId).result().catch(() => undefined)) as ThreadOutcome | undefined;
      return {
        status: 'closed',
        turns: outcome?.turns ?? 0,
        finishedTurns: outcome?.turns ?? 0,
        queued: 0,
        messages: [],
        usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
        closedBy: outcome?.closedBy,
      };
    }
  }

  private handle(threadId: string) {
    return this.options.client.workflow.getHandle(threadId);
  }
}
