import { isTerminalEvent, type RunEvent } from '../events.js';

const finalStatuses = ['completed', 'failed', 'cancelled'];

/** The last event of a stream: a terminal event, or a snapshot of a run that has ended (its log expired). */
export function isFinal(event: RunEvent): boolean {
  return isTerminalEvent(event) || (event.type === 'snapshot' && finalStatuses.includes(event.status));
}
