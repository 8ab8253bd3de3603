import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { LevelLogger } from '../observability/level-logger.js';

/**
 * Workflow-task failures as the worker's runtime reports them. Temporal
 * retries a failing workflow task without end, and the SDK logs every attempt
 * (a payload over the limit fails a thousand times a minute), so these
 * messages are taken out of the log and handed to whoever watches for stalls
 * (stall-watch.ts), which writes one line per run instead.
 */

type FailureListener = (runId: string) => void;
const listeners = new Set<FailureListener>();

/** Calls `listener` with the Temporal run id of every failed workflow-task attempt in this process. */
export function onWorkflowTaskFailure(listener: FailureListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Core's line for each failed attempt: it carries the run id, and the failure (which history keeps too). */
const failingTask = 'Failing workflow task';
/** Core's and the SDK's other lines about the same attempt. */
const perAttempt = ['Error while completing workflow activation', '[TMPRL1103]'];
/** Lines about a run that repeat with each attempt while its task fails: the first one per run is kept. */
const oncePerRun = new Set(['Workflow failed', 'Failed to process Workflow Activation']);
const rememberedRuns = 10_000;

export class WorkflowTaskFailureLogger extends LevelLogger {
  private readonly seen = new Set<string>();

  constructor(private readonly inner: Logger) {
    super();
  }

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const runId = typeof meta?.runId === 'string' ? meta.runId : undefined;
    if (message === failingTask && runId) {
      for (const listener of listeners) listener(runId);
      return;
    }
    if (perAttempt.some((prefix) => message.startsWith(prefix))) return;
    if (runId && oncePerRun.has(message)) {
      const key = `${message}\0${runId}`;
      if (this.seen.has(key)) return;
      if (this.seen.size >= rememberedRuns) this.seen.clear();
      this.seen.add(key);
    }
    this.inner.log(level, message, meta);
  }
}
