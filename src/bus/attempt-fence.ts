/**
 * Fencing of superseded activity attempts. An attempt that Temporal already
 * gave up on (its heartbeats stopped reaching the server: a worker cut off
 * from Temporal but not from Redis, a long GC pause) may still be streaming.
 * Its deltas must not reach the log after the next attempt announced
 * `step.resumed`, or viewers would show text the transcript does not hold.
 *
 * Every append of a fenced producer raises the execution's fence to its
 * attempt, atomically with the append (the append script), and is refused
 * when its attempt is below the fence. So attempt N's first event raises the
 * fence, and from then on nothing of attempts < N is appended or published.
 */

/** One activity execution (`<workflowRunId>:<activityId>`) and the attempt writing for it. */
export interface AttemptFence {
  execution: string;
  attempt: number;
}

/** The hash field, in the run's producer hash, that holds an execution's highest attempt. */
export const fenceField = (execution: string) => `fence:${execution}`;

/** The append script's status for a refused batch: `FENCED <fence>`. */
export const fencedReplyPrefix = 'FENCED ';

export class StaleAttemptError extends Error {
  override readonly name = 'StaleAttemptError';
  constructor(
    readonly runId: string,
    readonly fence: AttemptFence,
    /** The attempt that superseded this one. */
    readonly supersededBy: number,
    /** Ids of the entries of the batch appended before the refusal, in order. */
    readonly appendedIds: string[],
  ) {
    super(
      `attempt ${fence.attempt} of ${fence.execution} was superseded by attempt ${supersededBy}; run ${runId}'s log refuses its events`,
    );
  }
}

/** The fence a refused append reports (its status `FENCED <fence>`), or undefined when it was not refused. */
export function refusedBy(status: string): number | undefined {
  if (!status.startsWith(fencedReplyPrefix)) return undefined;
  const fence = Number(status.slice(fencedReplyPrefix.length));
  return Number.isInteger(fence) ? fence : undefined;
}
