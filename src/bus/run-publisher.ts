import type { RunEvent, RunEventInput } from '../events.js';
import type { AppendRequest, RunLog } from './run-log.js';

export interface RunPublisherOptions {
  /** Identifies this writer in the log's dedupe cursor; unique per activity attempt. */
  producer: string;
  /** Events held while Redis is unreachable; beyond it the oldest deltas are dropped. */
  maxBuffered?: number;
  /** Events sent per round trip. */
  batchSize?: number;
  onError?: (error: unknown) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const droppable = new Set<RunEvent['type']>(['text.delta', 'reasoning.delta', 'tool_call.delta', 'tool.progress']);

/**
 * Ordered, batched, non-blocking publishing for one writer. `publish` never
 * waits on Redis: the model stream keeps going while a flush loop appends in
 * order, one pipeline per batch, retrying with backoff when Redis is away.
 * The transcript in Temporal is the truth; this is the live view.
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
  private closed = false;

  constructor(
    private readonly log: RunLog,
    readonly runId: string,
    private readonly options: RunPublisherOptions,
  ) {
    this.maxBuffered = options.maxBuffered ?? 50_000;
    this.batchSize = options.batchSize ?? 256;
  }

  publish(input: RunEventInput): void {
    const event = { ...input, runId: this.runId, at: new Date().toISOString() } as RunEvent;
    this.queue.push({ producer: this.options.producer, seq: this.seq++, event });
    if (this.queue.length > this.maxBuffered) this.shed();
    this.flushing ??= this.drain().finally(() => {
      this.flushing = undefined;
    });
  }

  /** Resolves once every event published so far is in the log (or the publisher is closed). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** Stops retrying; what is still queued is given up (the transcript keeps the text). */
  close(): void {
    this.closed = true;
  }

  get pending(): number {
    return this.queue.length;
  }

  private shed(): void {
    const index = this.queue.findIndex((entry, position) => position >= this.inFlight && droppable.has(entry.event.type));
    if (index >= 0) {
      this.queue.splice(index, 1);
      this.dropped++;
    }
  }

  private async drain(): Promise<void> {
    let backoffMs = 50;
    while (this.queue.length > 0 && !this.closed) {
      const batch = this.queue.slice(0, this.batchSize);
      this.inFlight = batch.length;
      try {
        const ids = await this.log.append(this.runId, batch);
        this.queue.splice(0, batch.length);
        this.inFlight = 0;
        this.lastId = ids.at(-1) ?? this.lastId;
        backoffMs = 50;
      } catch (error) {
        this.inFlight = 0;
        this.options.onError?.(error);
        await sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 2_000);
      }
    }
  }
}
