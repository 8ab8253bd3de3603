import type { ParsedRunEvent, RunEventOf, RunEventType } from './events.js';

/** Every event type of the protocol, as data: subscribe to these, document these. */
export const runEventTypes = [
  'run.started',
  'step.started',
  'text.delta',
  'reasoning.started',
  'reasoning.delta',
  'reasoning.finished',
  'tool_call.started',
  'tool_call.delta',
  'tool_call.ready',
  'tool.approval_requested',
  'tool.approval_resolved',
  'tool.started',
  'tool.progress',
  'tool.finished',
  'step.retrying',
  'step.resumed',
  'step.finished',
  'run.stalled',
  'run.completed',
  'run.failed',
  'run.cancelled',
  'turn.queued',
  'turn.started',
  'turn.finished',
  'thread.closed',
  'snapshot',
] as const satisfies readonly RunEventType[];

// A type of the union missing from the list above fails to compile here, naming it.
type Unlisted = Exclude<RunEventType, (typeof runEventTypes)[number]>;
const everyTypeListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyTypeListed;

export function isRunEventType(type: string): type is RunEventType {
  return (runEventTypes as readonly string[]).includes(type);
}

/** A run's status, as `GET /v1/runs/:id` answers it and snapshots carry it. */
export const runStatuses = ['queued', 'running', 'waiting', 'completed', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof runStatuses)[number];

/** The statuses a run never leaves. */
export const finalRunStatuses = ['completed', 'failed', 'cancelled'] as const satisfies readonly RunStatus[];
export type FinalRunStatus = (typeof finalRunStatuses)[number];

export const isRunStatus = (status: string): status is RunStatus => (runStatuses as readonly string[]).includes(status);
export const isFinalStatus = (status: string): status is FinalRunStatus => (finalRunStatuses as readonly string[]).includes(status);

/** The events a run ends with, one per final status. */
export const terminalEventTypes = ['run.completed', 'run.failed', 'run.cancelled'] as const satisfies readonly RunEventType[];
export type TerminalEvent = RunEventOf<(typeof terminalEventTypes)[number]>;

export function isTerminalEvent(event: ParsedRunEvent): event is TerminalEvent {
  return (terminalEventTypes as readonly string[]).includes(event.type);
}

/** The last event of a run's stream: a terminal event, or a snapshot of a run that has ended (its log expired). */
export function isFinalEvent(event: ParsedRunEvent): event is TerminalEvent | RunEventOf<'snapshot'> {
  return isTerminalEvent(event) || (event.type === 'snapshot' && isFinalStatus(event.status));
}

/** The final status a run's last event stands for; undefined for any other event. */
export function finalStatusOfEvent(event: ParsedRunEvent): FinalRunStatus | undefined {
  if (isTerminalEvent(event)) return statusOfTerminalEvent(event);
  return event.type === 'snapshot' && isFinalStatus(event.status) ? event.status : undefined;
}

/** The type an event was sent as: an unknown event keeps the type its writer gave it. */
export const sentTypeOf = (event: ParsedRunEvent): string =>
  event.type !== 'unknown' ? event.type : typeof event.raw.type === 'string' ? event.raw.type : 'unknown';

/** The final status a terminal event stands for. */
export function statusOfTerminalEvent(event: TerminalEvent): FinalRunStatus {
  switch (event.type) {
    case 'run.completed':
      return 'completed';
    case 'run.failed':
      return 'failed';
    case 'run.cancelled':
      return 'cancelled';
  }
}
