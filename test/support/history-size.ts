import type { Client } from '@temporalio/client';
import protos from '@temporalio/proto';

// @temporalio/proto is CommonJS; its namespace comes through the default export.
const { HistoryEvent } = protos.temporal.api.history.v1;
type Event = protos.temporal.api.history.v1.IHistoryEvent;

export interface ExecutionHistory {
  runId: string;
  events: Event[];
  /** Each event's encoded size: no payload in an event is larger than the event. */
  eventBytes: number[];
  totalBytes: number;
}

/** An event's encoded size: no payload in an event is larger than the event. */
const encodedBytes = (event: Event): number => HistoryEvent.encode(event).finish().byteLength;

/** The run ids of a workflow's executions (a continue-as-new chain), oldest first. */
async function executionRunIds(client: Client, workflowId: string): Promise<string[]> {
  const runs: { runId: string; start: number }[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    runs.push({ runId: execution.runId, start: execution.startTime.getTime() });
  }
  return runs.sort((a, b) => a.start - b.start).map((run) => run.runId);
}

/** Every execution of a workflow (a continue-as-new chain), oldest first, with encoded sizes. */
export async function executionHistories(client: Client, workflowId: string): Promise<ExecutionHistory[]> {
  return Promise.all(
    (await executionRunIds(client, workflowId)).map(async (runId) => {
      const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      const events = history.events ?? [];
      const eventBytes = events.map(encodedBytes);
      return { runId, events, eventBytes, totalBytes: eventBytes.reduce((sum, bytes) => sum + bytes, 0) };
    }),
  );
}

/**
 * The sizes only, one execution at a time, no events kept: for chains of
 * hundreds of multi-megabyte executions (the inline design at 1,000 steps),
 * where fetching them all at once holds gigabytes.
 */
export async function historySizes(client: Client, workflowId: string): Promise<{ totalBytes: number; largestEvent: number; executions: number }> {
  const runIds = await executionRunIds(client, workflowId);
  let totalBytes = 0;
  let largestEvent = 0;
  for (const runId of runIds) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    for (const event of history.events ?? []) {
      const bytes = encodedBytes(event);
      totalBytes += bytes;
      largestEvent = Math.max(largestEvent, bytes);
    }
  }
  return { totalBytes, largestEvent, executions: runIds.length };
}

/** History bytes before each model step was scheduled: `at[k]` is the size when step k+1 began. */
export function bytesBeforeEachStep(execution: ExecutionHistory): number[] {
  const at: number[] = [];
  let sum = 0;
  execution.events.forEach((event, index) => {
    if (event.activityTaskScheduledEventAttributes?.activityType?.name === 'modelStep') at.push(sum);
    sum += execution.eventBytes[index]!;
  });
  return at;
}
