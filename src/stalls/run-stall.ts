import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
// The proto package is CommonJS whose exports Node cannot list: its namespace comes through the default export.
import proto, { type temporal } from '@temporalio/proto';

/**
 * Why a run cannot make progress: its workflow tasks keep failing (a payload
 * over Temporal's limit, a non-determinism error after a bad deploy, a bug).
 * Temporal retries such a task for ever and records only its first failure in
 * history, so the run stays "running" with nothing to show for it unless
 * someone reads the pending task's attempt count and that failure.
 */
export interface RunStall {
  reason: string;
  /** When the first failing attempt was recorded (ISO time). */
  since: string;
  /** Attempts of the failing workflow task so far. */
  attempts: number;
  /** The run's own payload is over Temporal's limit: waiting cannot fix it, so the run is failed instead. */
  payloadTooLarge: boolean;
}

/** A task that failed this many times in a row is a stall, not a blip (a worker restart fails one attempt). */
export const stallAttempts = 3;

const EventType = proto.temporal.api.enums.v1.EventType;
const FailedCause = proto.temporal.api.enums.v1.WorkflowTaskFailedCause;

/** The pending workflow task's attempt count, from a describe answer. */
export function workflowTaskAttempts(description: WorkflowExecutionDescription): number {
  return description.raw.pendingWorkflowTask?.attempt ?? 0;
}

/**
 * The stall of an open run, or undefined while its workflow tasks succeed.
 * One describe (usually already made by the caller) and, only when the task
 * is failing, one reverse history page to read the failure.
 */
export async function runStallOf(client: Client, description: WorkflowExecutionDescription): Promise<RunStall | undefined> {
  if (description.status.name !== 'RUNNING') return undefined;
  const attempts = workflowTaskAttempts(description);
  if (attempts < stallAttempts) return undefined;
  const { history } = await client.workflowService.getWorkflowExecutionHistoryReverse({
    namespace: client.options.namespace,
    execution: { workflowId: description.workflowId, runId: description.runId },
    maximumPageSize: 20,
  });
  let failed: temporal.api.history.v1.IHistoryEvent | undefined;
  // Walk back over the failing task's events to the first failure after the last task that completed.
  for (const event of history?.events ?? []) {
    if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) failed = event;
    else if (!isWorkflowTaskEvent(event.eventType)) break;
  }
  const attributes = failed?.workflowTaskFailedEventAttributes;
  const cause = attributes?.cause ?? FailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNSPECIFIED;
  const causeName = (FailedCause[cause] as string | undefined)?.replace('WORKFLOW_TASK_FAILED_CAUSE_', '').toLowerCase().replaceAll('_', ' ');
  const message = attributes?.failure?.message || 'workflow task failing';
  const payloadTooLarge = causeName === 'payloads too large' || attributes?.failure?.applicationFailureInfo?.type === 'PayloadsTooLarge';
  const eventSeconds = failed?.eventTime?.seconds;
  const since = eventSeconds == null ? description.startTime : new Date(Number(eventSeconds) * 1000 + Math.floor((failed?.eventTime?.nanos ?? 0) / 1e6));
  return {
    reason: causeName && causeName !== 'unspecified' && !message.toLowerCase().includes(causeName) ? `${causeName}: ${message}` : message,
    since: since.toISOString(),
    attempts,
    payloadTooLarge,
  };
}

function isWorkflowTaskEvent(type: temporal.api.enums.v1.EventType | null | undefined): boolean {
  return (
    type === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED ||
    type === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED ||
    type === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED ||
    type === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT
  );
}
