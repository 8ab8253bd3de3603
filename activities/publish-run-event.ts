import type { RunEventInput } from '../src/events.js';
import type { ActivityDependencies } from './dependencies.js';
import { openPublisher, settlePublisher } from './publishing.js';

export interface PublishRunEventInput {
  runId: string;
  event: RunEventInput;
}

export function createPublishRunEvent(deps: ActivityDependencies) {
  /** Run lifecycle events (started, completed, failed, cancelled): one log entry, appended once across retries. */
  return async function publishRunEvent(input: PublishRunEventInput): Promise<string | undefined> {
    const publisher = openPublisher(deps, input.runId, { perAttempt: false });
    publisher.publish(input.event);
    // Redis away past the flush timeout: the run still ends; late viewers get a snapshot from the workflow.
    await settlePublisher(deps, publisher);
    return publisher.lastId;
  };
}
