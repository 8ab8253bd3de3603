import { isTerminalEvent } from '../protocol/index.js';
import type { LiveSubscriptions } from './live-subscriptions.js';
import type { LogEntry, RunLog } from './run-log.js';
import { compareStreamIds } from '../protocol/stream-id.js';

export interface FollowOptions {
  /** Deliver entries strictly after this log id; from the start when undefined. */
  after?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Live entries held for a viewer that reads slower than the run writes. */
  maxBuffered?: number;
  pageSize?: number;
  /** Called once when the live buffer overflows, so a caller blocked on the viewer can give up at once. */
  onOverflow?: () => void;
  /** The run has ended: stop once the log is replayed instead of waiting for live entries. */
  untilCaughtUp?: boolean;
  /** The entry after which the log is done (default: a run's terminal event; a thread's stream ends with `thread.closed`). */
  isLast?: (event: LogEntry['event']) => boolean;
}

const liveBatches = new WeakSet<LogEntry[]>();
/** True for a batch of live entries (pub/sub), false for a page replayed from the log. */
export const isLiveBatch = (batch: LogEntry[]): boolean => liveBatches.has(batch);

export class SlowConsumerError extends Error {
  override readonly name = 'SlowConsumerError';
  constructor(readonly lastDeliveredId: string | undefined) {
    super('the viewer fell too far behind the run and was disconnected; resume after the last id it received');
  }
}

/**
 * A run's events exactly once, in order: subscribe first, then replay the log
 * after `after`, then follow live, dropping ids already delivered. A reconnect
 * of the shared subscriber triggers a replay from the log, so a lost pub/sub
 * message never becomes a gap. Ends after the run's terminal event.
 */
export async function* followRun(log: RunLog, live: LiveSubscriptions, runId: string, options: FollowOptions = {}): AsyncGenerator<LogEntry> {
  for await (const batch of followRunBatches(log, live, runId, options)) yield* batch;
}

/** The entries before and including the first terminal one (all of them when there is none). */
function upToTerminal(entries: LogEntry[], isLast: (event: LogEntry['event']) => boolean = isTerminalEvent): { entries: LogEntry[]; ended: boolean } {
  const index = entries.findIndex((entry) => isLast(entry.event));
  return index < 0 ? { entries, ended: false } : { entries: entries.slice(0, index + 1), ended: true };
}

/**
 * `followRun` as batches: a replayed page, or the live entries that arrived
 * together, at once — so a fan-out writes each viewer one chunk per batch
 * instead of one per event. Never an empty batch.
 */
export async function* followRunBatches(
  log: RunLog,
  live: LiveSubscriptions,
  runId: string,
  options: FollowOptions = {},
): AsyncGenerator<LogEntry[]> {
  const maxBuffered = options.maxBuffered ?? 10_000;
  const pageSize = options.pageSize ?? 500;
  let lastId = options.after;
  let buffered: LogEntry[] = [];
  let needsReplay = true;
  let overflowed = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };

  const release = await live.subscribe(log.channel(runId), {
    onEntry: (entry) => {
      if (buffered.length >= maxBuffered) {
        if (!overflowed) options.onOverflow?.();
        overflowed = true;
      } else buffered.push(entry);
      notify();
    },
    onReconnect: () => {
      needsReplay = true;
      notify();
    },
  });
  options.signal?.addEventListener('abort', notify, { once: true });

  const isNew = (entry: LogEntry) => lastId === undefined || compareStreamIds(entry.id, lastId) > 0;

  try {
    while (!options.signal?.aborted) {
      if (overflowed) throw new SlowConsumerError(lastId);
      if (needsReplay) {
        needsReplay = false;
        for (;;) {
          const page = await log.read(runId, lastId, pageSize);
          const { entries, ended } = upToTerminal(page, options.isLast);
          if (entries.length > 0) {
            lastId = entries.at(-1)!.id;
            yield entries;
          }
          if (ended) return;
          if (page.length < pageSize) break;
        }
        // An ended run writes nothing more; a run stopped from outside (terminated) never writes its final event.
        if (options.untilCaughtUp) return;
      }
      const pending = buffered;
      buffered = [];
      const { entries, ended } = upToTerminal(pending.filter(isNew), options.isLast);
      if (entries.length > 0) {
        lastId = entries.at(-1)!.id;
        liveBatches.add(entries);
        yield entries;
      }
      if (ended) return;
      if (buffered.length === 0 && !needsReplay && !overflowed) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', notify);
    await release();
  }
}
