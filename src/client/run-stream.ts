import { isFinalEvent, type LoggedEvent, type RunEventOf, type TerminalEvent } from '../protocol/index.js';
import type { RunResult } from '../protocol/messages.js';

/** What `client.stream()` returns, in the manner of the agent SDKs' stream() results. */
export interface RunStream<Run = { id: string }, Result extends RunResult = RunResult> {
  /** The enqueued run (id, viewer token). */
  run: Promise<Run>;
  /** Every event of the run once, in order; ends after the final one. */
  events: AsyncIterable<LoggedEvent>;
  /** The run's result; rejects with RunFailedError when it failed or was cancelled. */
  result: Promise<Result>;
}

/**
 * One subscription feeding both `events` and `result`. Events nobody iterates
 * are buffered until the run ends; neither promise left alone becomes an
 * unhandled rejection.
 */
export function createRunStream<Run extends { id: string }>(
  run: Promise<Run>,
  subscribe: (runId: string) => AsyncIterable<LoggedEvent>,
  outcome: (runId: string, finalEvent: TerminalEvent | RunEventOf<'snapshot'>) => Promise<RunResult>,
): RunStream<Run> {
  const buffered: LoggedEvent[] = [];
  let finished = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  let settle!: { resolve: (result: RunResult) => void; reject: (error: unknown) => void };
  const result = new Promise<RunResult>((resolve, reject) => {
    settle = { resolve, reject };
  });
  result.catch(() => undefined);
  run.catch(() => undefined);

  void (async () => {
    try {
      const { id } = await run;
      for await (const entry of subscribe(id)) {
        buffered.push(entry);
        notify();
        if (isFinalEvent(entry.event)) {
          await outcome(id, entry.event).then(settle.resolve, settle.reject);
          return;
        }
      }
      throw new StreamAbortedError();
    } catch (error) {
      failure = error;
      settle.reject(error);
    } finally {
      finished = true;
      notify();
    }
  })();

  const events: AsyncIterable<LoggedEvent> = {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const next = buffered.shift();
        if (next) {
          yield next;
          continue;
        }
        if (finished) {
          // Aborting by signal just ends the events; any other failure (enqueue refused, 404) is thrown.
          if (failure !== undefined && !(failure instanceof StreamAbortedError)) throw failure;
          return;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
  };
  return { run, events, result };
}

export class StreamAbortedError extends Error {
  override readonly name = 'StreamAbortedError';
  constructor() {
    super('the subscription was aborted before the run ended');
  }
}
