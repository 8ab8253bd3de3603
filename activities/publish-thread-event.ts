import { Context } from '@temporalio/activity';
import type { RunEvent, RunEventOf } from '../src/protocol/index.js';
import type { ActivityDependencies } from './dependencies.js';

type WithoutTime<Event> = Event extends unknown ? Omit<Event, 'at'> : never;
export type ThreadEventInput = WithoutTime<RunEventOf<'turn.queued' | 'turn.started' | 'turn.finished' | 'thread.closed'>>;

export interface PublishThreadEventInput {
  threadId: string;
  event: ThreadEventInput;
}

/**
 * A thread's own events (turns queued, started, finished; closed) go to its
 * log only; its turns' events reach the same log through their runs' appends.
 * One entry per workflow activity id: a retried attempt does not append twice.
 */
export function createPublishThreadEvent(deps: ActivityDependencies) {
  return async function publishThreadEvent(input: PublishThreadEventInput): Promise<string | undefined> {
    const info = Context.current().info;
    const producer = `thread:${info.workflowExecution?.runId ?? 'standalone'}:${info.activityId}`;
    const event = { ...input.event, at: new Date().toISOString() } as RunEvent;
    const [id] = await deps.log.append(input.threadId, [{ producer, seq: 0, event }]);
    return id;
  };
}
