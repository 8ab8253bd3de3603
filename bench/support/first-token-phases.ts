import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { ms, summarize, table } from './stats.js';

/**
 * Where a run's time to first delta goes, from timestamps only: the viewer's
 * clock (enqueue, answer, first delta), the Temporal server's event times and
 * the model server's (request arrival, first text chunk). All processes run on
 * one machine, so their clocks are the same clock.
 */
export type PhaseMarks = Partial<Record<PhaseName, number | undefined>>;

const phases = [
  ['answered', 'POST /v1/runs answered'],
  ['workflowStarted', 'WorkflowExecutionStarted'],
  ['firstTaskStarted', 'first workflow task started'],
  ['firstTaskCompleted', 'first workflow task completed'],
  ['publishScheduled', 'run.started activity scheduled'],
  ['publishCompleted', 'run.started activity completed'],
  ['modelStepScheduled', 'model step scheduled'],
  ['modelStepStarted', 'model step started'],
  ['modelRequest', 'model server has the request'],
  ['modelFirstChunk', 'model server writes the first token'],
  ['firstDelta', 'viewer has the first delta'],
] as const;
type PhaseName = (typeof phases)[number][0];

const EventType = {
  workflowStarted: 1,
  taskStarted: 6,
  taskCompleted: 7,
  activityScheduled: 10,
  activityStarted: 11,
  activityCompleted: 12,
} as const;

const millis = (time: temporal.api.history.v1.IHistoryEvent['eventTime']) => Number(time?.seconds ?? 0) * 1000 + (time?.nanos ?? 0) / 1e6;

/** Marks of one run, each in milliseconds after its enqueue. */
export async function phaseMarks(
  client: Client,
  workflowId: string,
  viewer: { enqueueAt: number; answeredAt: number; firstDeltaAt: number },
  model: { receivedAt: number; firstChunkAt: number },
): Promise<PhaseMarks> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const since = (at: number) => at - viewer.enqueueAt;
  const marks: PhaseMarks = {
    answered: since(viewer.answeredAt),
    modelRequest: since(model.receivedAt),
    modelFirstChunk: since(model.firstChunkAt),
    firstDelta: since(viewer.firstDeltaAt),
  };
  const first = (type: number, when: (event: (typeof events)[number]) => boolean = () => true) => events.find((event) => event.eventType === type && when(event));
  const at = (event: (typeof events)[number] | undefined) => (event ? since(millis(event.eventTime)) : undefined);
  marks.workflowStarted = at(first(EventType.workflowStarted));
  marks.firstTaskStarted = at(first(EventType.taskStarted));
  marks.firstTaskCompleted = at(first(EventType.taskCompleted));
  const scheduled = (name: string) => first(EventType.activityScheduled, (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === name);
  const publish = scheduled('publishRunEvent');
  const step = scheduled('modelStep');
  const ofActivity = (type: number, schedule: (typeof events)[number] | undefined) =>
    schedule &&
    first(type, (event) => {
      const attributes = event.activityTaskStartedEventAttributes ?? event.activityTaskCompletedEventAttributes;
      return Number(attributes?.scheduledEventId) === Number(schedule.eventId);
    });
  // Only when run.started went out as a regular activity scheduled before the first model step.
  if (publish && step && Number(publish.eventId) < Number(step.eventId)) {
    marks.publishScheduled = at(publish);
    marks.publishCompleted = at(ofActivity(EventType.activityCompleted, publish));
  }
  marks.modelStepScheduled = at(step);
  marks.modelStepStarted = at(ofActivity(EventType.activityStarted, step));
  return marks;
}

/** p50 of each mark over the runs, and the p50 of the gap from the mark before it. */
export function phaseTable(runs: PhaseMarks[]): string {
  const rows: string[][] = [['mark (ms after enqueue)', 'runs', 'p50', 'p50 of the step to it']];
  let previous: PhaseName | undefined;
  for (const [name, label] of phases) {
    const values = runs.map((run) => run[name]).filter((value): value is number => value !== undefined);
    if (values.length === 0) continue;
    const from = previous;
    const steps = from === undefined ? values : runs.filter((run) => run[name] !== undefined && run[from] !== undefined).map((run) => run[name]! - run[from]!);
    rows.push([label, String(values.length), ms(summarize(values).p50), ms(summarize(steps).p50)]);
    previous = name;
  }
  return table(rows);
}
