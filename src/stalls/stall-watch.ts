import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { RunLog } from '../bus/run-log.js';
import { RunPublisher } from '../bus/run-publisher.js';
import type { RunEventInput } from '../protocol/index.js';
import { releaseRunSlot } from '../runs/run-slots.js';
import { runStallOf, workflowTaskAttempts, type RunStall } from './run-stall.js';
import { payloadTooLargeErrorType, terminationReason } from './run-termination.js';
import { onWorkflowTaskFailure } from './workflow-task-failures.js';

export interface StallWatchOptions {
  client: Client;
  taskQueue: string;
  log: RunLog;
  /** One line per run that stalls (and one when it recovers or is failed). */
  write: (line: string) => void;
  /** How often failing runs are looked at (default 5 s). */
  checkIntervalMs?: number;
}

interface Watched {
  /** Unknown until visibility names the run's workflow. */
  workflowId?: string | undefined;
  firstSeen: number;
  /** The stall announced to viewers and the log, once its task failed `stallAttempts` times. */
  announced?: RunStall;
}

/** A run visibility cannot name this long after its first failure is not ours to watch (another queue's, or gone). */
const lookupGiveUpMs = 60_000;

/**
 * Watches the runs whose workflow tasks fail on this worker. The runtime's
 * log tells it which (workflow-task-failures.ts); Temporal tells it how often
 * and why. Once a task failed `stallAttempts` times the run's viewers get one
 * `run.stalled` event and the log one line; a run whose own payload is over
 * Temporal's limit is failed with a `PayloadTooLargeError` instead, keeping
 * its transcript. Several workers may watch one run: the event is appended
 * once (its producer name is the stall's), the termination is idempotent.
 */
export class StallWatch {
  private readonly watched = new Map<string, Watched>();
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: StallWatchOptions) {}

  start(): void {
    this.unsubscribe = onWorkflowTaskFailure((runId) => {
      if (!this.watched.has(runId)) this.watched.set(runId, { firstSeen: Date.now() });
    });
    this.timer = setInterval(() => {
      this.checking ??= this.checkAll().finally(() => {
        this.checking = undefined;
      });
    }, this.options.checkIntervalMs ?? 5_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    clearInterval(this.timer);
    await this.checking;
  }

  /** Closes the Temporal connection of the client it was given (the worker process made it for the watch). */
  async closeConnection(): Promise<void> {
    await this.options.client.connection.close();
  }

  private async checkAll(): Promise<void> {
    for (const [runId, watched] of this.watched) {
      try {
        await this.check(runId, watched);
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) this.watched.delete(runId);
        // Temporal unreachable: look again next round.
      }
    }
  }

  private async check(runId: string, watched: Watched): Promise<void> {
    const { client } = this.options;
    watched.workflowId ??= await this.workflowIdOf(runId);
    if (!watched.workflowId) {
      if (Date.now() - watched.firstSeen > lookupGiveUpMs) this.watched.delete(runId);
      return;
    }
    const description = await client.workflow.getHandle(watched.workflowId, runId).describe();
    if (description.status.name !== 'RUNNING' || workflowTaskAttempts(description) <= 1) {
      if (watched.announced) this.options.write(`runstream worker: run ${watched.workflowId} recovered: its workflow tasks complete again`);
      this.watched.delete(runId);
      return;
    }
    if (watched.announced) return;
    const stall = await runStallOf(client, description);
    if (!stall) return;
    watched.announced = stall;
    const id = watched.workflowId;
    await this.publish(id, `stall:${runId}:${stall.since}`, { type: 'run.stalled', reason: stall.reason, since: stall.since, attempts: stall.attempts });
    this.options.write(`runstream worker: run ${id} stalled: ${stall.reason} (${stall.attempts} workflow-task attempts since ${stall.since})`);
    if (stall.payloadTooLarge) await this.failTooLarge(id, runId, stall);
  }

  /** Its own payload over the limit: no deploy can fix that run, so it ends with a typed error and keeps its transcript. */
  private async failTooLarge(workflowId: string, runId: string, stall: RunStall): Promise<void> {
    const error = {
      type: payloadTooLargeErrorType,
      message: `the run's data is over Temporal's payload limit (${stall.reason}); its transcript up to the last completed step is kept`,
      retryable: false,
    };
    try {
      await this.options.client.workflow.getHandle(workflowId, runId).terminate(terminationReason(error));
    } catch (failure) {
      // Another worker's watch was first.
      if (!(failure instanceof WorkflowNotFoundError)) throw failure;
    }
    await this.publish(workflowId, `stall-failed:${runId}`, { type: 'run.failed', error });
    await releaseRunSlot(this.options.log.redis, this.options.log.keyPrefix, workflowId).catch(() => undefined);
    this.options.write(`runstream worker: run ${workflowId} failed: ${error.type}`);
    this.watched.delete(runId);
  }

  private async workflowIdOf(runId: string): Promise<string | undefined> {
    const query = `RunId = '${runId}' AND WorkflowType = 'agentRun' AND TaskQueue = '${this.options.taskQueue}'`;
    for await (const execution of this.options.client.workflow.list({ query, pageSize: 1 })) return execution.workflowId;
    return undefined;
  }

  private async publish(runId: string, producer: string, event: RunEventInput): Promise<void> {
    const publisher = new RunPublisher(this.options.log, runId, { producer });
    publisher.publish(event);
    await Promise.race([publisher.flush(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    publisher.close();
  }
}
