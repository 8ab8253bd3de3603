import type { RunEvent, RunEventInput } from '../protocol/index.js';
import { StaleAttemptError, type AttemptFence } from './attempt-fence.js';
import type { AppendRequest, RunLog } from './run-log.js';
import { eventsPublished, observedGauge, publisherDropped } from '../observability/metrics.js';
import { threadOfRun } from '../../workflows/thread-ids.js';

export interface RunPublisherOptions {
  /** Identifies this writer in the log's dedupe cursor; unique per activity attempt. */
  producer: string;
  /**
   * The activity attempt this publisher writes for. Its first append raises the
   * execution's fence; once a later attempt raised it, appends are refused and
   * the publisher stops (see `superseded`).
   */
  fence?: AttemptFence | undefined;
  /** Events held while Redis is unreachable; beyond it the oldest deltas are dropped. */
  maxBuffered?: number;
  /** Events sent per round trip. */
  batchSize?: number;
  onError?: (error: unknown) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Publishers of this process that may still hold events, for the buffer gauge. */
const openPublishers = new Set<RunPublisher>();
observedGauge('runstream_publisher_buffered_events', 'Events waiting in publishers for Redis (grows while Redis is away)', () => {
  let pending = 0;
  for (const publisher of openPublishers) pending += publisher.pending;
  return pending;
});

const droppable = new Set<RunEvent['type']>(['text.delta', 'reasoning.delta', 'tool_call.delta', 'tool.progress']);

/** How often a publisher renews its run's log expiry (the TTL is days; renewing on every append costs two commands per delta). */
const ttlRefreshMs = 60_000;

/**
 * Ordered, batched, non-blocking publishing for one writer. `publish` never
 * waits on Redis: the model stream keeps going while a flush loop appends in
 * order, retrying with backoff when Redis is away. What was published in one
 * tick of the event loop (the deltas of one network read), or while the
 * previous batch was in flight, goes as one batch: one script call, one round
 * trip, one pub/sub message. The transcript in Temporal is the truth; this is
 * the live view.
 */
export class RunPublisher {
  private readonly queue: AppendRequest[] = [];
  private seq = 0;
  /** Entries at the head of the queue that are being appended right now. */
  private inFlight = 0;
  private flushing: Promise<void> | undefined;
  private readonly maxBuffered: number;
  private readonly batchSize: number;
  /** The log id of the last event appended. */
  lastId: string | undefined;
  /** Deltas dropped because the buffer overflowed during an outage. */
  dropped = 0;
  /** Sequence number of the last event known to be in the log (-1: none yet). */
  appendedSeq = -1;
  /** Sequence number of the first delta shed, if any: the log has a hole from there. */
  firstDroppedSeq: number | undefined;
  /** Appends that failed (Redis away, a dropped connection), retried or not: a log that failed may have lost what it held. */
  failedAppends = 0;
  /**
   * An append found the log behind what it had acknowledged to this publisher: entries it
   * holds as appended are gone (the append marked the gap). For good: later appends do not bring them back.
   */
  lostAppended = false;
  private closed = false;
  /** When this publisher last renewed the log's expiry (0: never, so its first append does). */
  private ttlRefreshedAt = 0;
  private readonly supersede = new AbortController();
  /** A turn's thread, whose log gets the same entries (and the same gap markers). */
  private readonly threadId: string | undefined;
  /**
   * Aborted (with the `StaleAttemptError`) once the log refused this
   * publisher's events because a later attempt of its execution wrote: the
   * step it publishes for is stale and should stop. Never retried.
   */
  readonly superseded: AbortSignal = this.supersede.signal;

  constructor(
    private readonly log: RunLog,
    readonly runId: string,
    private readonly options: RunPublisherOptions,
  ) {
    this.maxBuffered = options.maxBuffered ?? 50_000;
    this.batchSize = options.batchSize ?? 256;
    openPublishers.add(this);
    this.threadId = threadOfRun(runId)?.threadId;
  }

  /** This writer's name in the log's producer hash, whose value is the last sequence number appended. */
  get producer(): string {
    return this.options.producer;
  }

  /** What must be in the log before this publisher's first append (see `appendAfter`). */
  private predecessor: Promise<unknown> | undefined;

  /**
   * Holds this publisher's appends until `appended` settles (whatever its outcome), so its events follow another
   * producer's in the log while the caller goes on meanwhile (a first step's model request, while run.started goes in).
   */
  appendAfter(appended: Promise<unknown>): void {
    this.predecessor = appended.catch(() => undefined);
  }

  /** Queues an event; returns its sequence number (compare with `appendedSeq`). */
  publish(input: RunEventInput): number {
    const event = { ...input, runId: this.runId, at: new Date().toISOString() } as RunEvent;
    const seq = this.seq++;
    // A superseded attempt's events would contradict its successor's: they are not lost, just void.
    if (this.superseded.aborted) return seq;
    this.queue.push({ producer: this.options.producer, seq, event, fence: this.options.fence });
    if (this.queue.length > this.maxBuffered) this.shed();
    // Start at the end of this tick, so what else is published in it joins the batch.
    this.flushing ??= new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.predecessor)
      .then(() => this.drain())
      .finally(() => {
        this.flushing = undefined;
      });
    return seq;
  }

  /** Resolves once every event published so far is in the log (or the publisher is closed). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /**
   * Stops retrying; what is still queued is given up (the transcript keeps the
   * text). A publisher that lost events leaves a gap marker in the log, written
   * once Redis answers again, so `RunLog.covers()` sends late viewers a snapshot.
   */
  close(): void {
    this.closed = true;
    openPublishers.delete(this);
    if (this.lostEvents) this.reportGap();
  }

  private gapReported = false;
  private reportGap(): void {
    if (this.gapReported) return;
    this.gapReported = true;
    this.log.gaps.report(this.runId);
    // A turn's events also went to its thread's log: that log has the same hole.
    if (this.threadId) this.log.gaps.report(this.threadId);
  }

  /** Events this publisher will never append: shed during an outage, or still queued when closed. */
  get lostEvents(): boolean {
    return this.dropped > 0 || (this.closed && this.queue.length > 0);
  }

  get pending(): number {
    return this.queue.length;
  }

  private shed(): void {
    const index = this.queue.findIndex((entry, position) => position >= this.inFlight && droppable.has(entry.event.type));
    if (index >= 0) {
      const [shed] = this.queue.splice(index, 1);
      if (shed && (this.firstDroppedSeq === undefined || shed.seq < this.firstDroppedSeq)) this.firstDroppedSeq = shed.seq;
      this.dropped++;
      publisherDropped.inc();
    }
  }

  /** The log refused this attempt's events: keep what went in before, drop the rest, stop. */
  private stopSuperseded(error: StaleAttemptError): void {
    const appended = this.queue.splice(0, error.appendedIds.length);
    this.lastId = error.appendedIds.at(-1) ?? this.lastId;
    this.appendedSeq = appended.at(-1)?.seq ?? this.appendedSeq;
    this.queue.length = 0;
    this.closed = true;
    openPublishers.delete(this);
    this.supersede.abort(error);
  }

  private async drain(): Promise<void> {
    let backoffMs = 50;
    while (this.queue.length > 0 && !this.closed) {
      const batch = this.queue.slice(0, this.batchSize);
      this.inFlight = batch.length;
      try {
        // A gap this process left in the run's log earlier is marked before anything after it is appended.
        await this.log.gaps.flush(this.runId);
        if (this.threadId) await this.log.gaps.flush(this.threadId);
        const refreshTtl = Date.now() - this.ttlRefreshedAt >= ttlRefreshMs;
        const ids = await this.log.append(this.runId, batch, {
          refreshTtl,
          acknowledgedSeq: this.appendedSeq,
          onLost: () => {
            this.lostAppended = true;
          },
        });
        if (refreshTtl) this.ttlRefreshedAt = Date.now();
        this.queue.splice(0, batch.length);
        this.inFlight = 0;
        eventsPublished.inc(batch.length);
        this.lastId = ids.at(-1) ?? this.lastId;
        this.appendedSeq = batch.at(-1)?.seq ?? this.appendedSeq;
        backoffMs = 50;
      } catch (error) {
        this.inFlight = 0;
        if (error instanceof StaleAttemptError) {
          this.stopSuperseded(error);
          break;
        }
        this.failedAppends++;
        this.options.onError?.(error);
        await sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 2_000);
      }
    }
    // Shed deltas left a hole between entries now in the log: mark it after them.
    if (this.dropped > 0 && this.queue.length === 0) this.reportGap();
  }
}
