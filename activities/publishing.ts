import { Context } from '@temporalio/activity';
import { RunPublisher } from '../src/bus/run-publisher.js';
import type { ActivityDependencies } from './dependencies.js';

/**
 * A publisher named after this activity execution. Without `perAttempt` a
 * retried attempt reuses the name, so an event its predecessor already
 * appended is not appended again. With it, the attempt is fenced: once a
 * later attempt of this execution appended, this one's events are refused and
 * `publisher.superseded` aborts, so the stale attempt stops (see `stepSignal`).
 * `producer` names an unfenced publisher that several activities share (an
 * event any of them may append, once).
 */
export function openPublisher(deps: ActivityDependencies, runId: string, options: { perAttempt: boolean; producer?: string | undefined }): RunPublisher {
  const context = Context.current();
  const info = context.info;
  const execution = `${info.workflowExecution?.runId ?? 'standalone'}:${info.activityId}`;
  const producer = options.producer ?? (options.perAttempt ? `${execution}:${info.attempt}` : execution);
  // One warning per publisher and outage: the flush loop retries every few hundred milliseconds.
  let warned = false;
  const publisher: RunPublisher = new RunPublisher(deps.log, runId, {
    producer,
    fence: options.perAttempt && options.producer === undefined ? { execution, attempt: info.attempt } : undefined,
    onError: (error) => {
      if (warned) return;
      warned = true;
      Context.current().log.warn('publishing to Redis failed; retrying from the buffer', { error: String(error), pending: publisher.pending });
    },
  });
  publisher.superseded.addEventListener(
    'abort',
    () => context.log.warn('a later attempt of this activity took over; this attempt stops', { attempt: info.attempt }),
    { once: true },
  );
  return publisher;
}

/**
 * What aborts the step's I/O (provider stream, tool): a cancel from Temporal,
 * or the log telling this attempt it was superseded. A stale attempt cannot
 * rely on Temporal's cancel: cut off from the server, it never hears it.
 */
export function stepSignal(publisher: RunPublisher): AbortSignal {
  return AbortSignal.any([Context.current().cancellationSignal, publisher.superseded]);
}

/** Why a superseded attempt stops, for its (ignored) failure and the worker's log. */
export function supersededMessage(publisher: RunPublisher): string {
  const reason: unknown = publisher.superseded.reason;
  return reason instanceof Error ? reason.message : 'a later attempt of this activity took over';
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
