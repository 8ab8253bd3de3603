import { Context } from '@temporalio/activity';
import { RunPublisher } from '../src/bus/run-publisher.js';
import type { ActivityDependencies } from './dependencies.js';

/**
 * A publisher named after this activity execution. Without `perAttempt` a
 * retried attempt reuses the name, so an event its predecessor already
 * appended is not appended again.
 */
export function openPublisher(deps: ActivityDependencies, runId: string, options: { perAttempt: boolean }): RunPublisher {
  const info = Context.current().info;
  const execution = `${info.workflowExecution?.runId ?? 'standalone'}:${info.activityId}`;
  const producer = options.perAttempt ? `${execution}:${info.attempt}` : execution;
  // One warning per publisher and outage: the flush loop retries every few hundred milliseconds.
  let warned = false;
  const publisher: RunPublisher = new RunPublisher(deps.log, runId, {
    producer,
    onError: (error) => {
      if (warned) return;
      warned = true;
      Context.current().log.warn('publishing to Redis failed; retrying from the buffer', { error: String(error), pending: publisher.pending });
    },
  });
  return publisher;
}

/**
 * Waits for the log to hold this activity's events before the workflow moves
 * on, so the next activity's events come after them. Past the timeout (Redis
 * away) the events are given up: the run goes on and the transcript keeps them.
 */
export async function settlePublisher(deps: ActivityDependencies, publisher: RunPublisher): Promise<void> {
  const timeoutMs = deps.publishFlushTimeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([publisher.flush(), timedOut]);
  clearTimeout(timer);
  publisher.close();
}
