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

/** Every execution of a workflow (a continue-as-new chain), oldest first, with encoded sizes. */
export async function executionHistories(client: Client, workflowId: string): Promise<ExecutionHistory[]> {
  const runs: { runId: string; start: number }[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    runs.push({ runId: execution.runId, start: execution.startTime.getTime() });
  }
  runs.sort((a, b) => a.start - b.start);
  return Promise.all(
    runs.map(async ({ runId }) => {
      const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      const events = history.events ?? [];
      const eventBytes = events.map((event) => HistoryEvent.encode(event).finish().byteLength);
      return { runId, events, eventBytes, totalBytes: eventBytes.reduce((sum, bytes) => sum + bytes, 0) };
    }),
  );
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
