import type { ServerResponse } from 'node:http';
import type { LogEntry } from '../bus/run-log.js';
import { formatSseEvent, formatSseRetry, sentTypeOf } from '../protocol/index.js';

/**
 * A log entry's SSE frame, encoded once: live entries are parsed once per
 * process and shared by every viewer of the run, so a fan-out to thousands
 * writes the same bytes to each socket instead of building and encoding a
 * string per viewer.
 */
const frames = new WeakMap<LogEntry, Buffer>();
function frameOf(entry: LogEntry): Buffer {
  let frame = frames.get(entry);
  if (!frame) {
    frame = Buffer.from(formatSseEvent({ id: entry.id, event: sentTypeOf(entry.event), data: entry.json }));
    frames.set(entry, frame);
  }
  return frame;
}

/**
 * Server-Sent Events on Node's response, so the API sees backpressure: once a
 * viewer's unsent bytes pass `maxBufferedBytes` the caller waits for it to
 * drain, and a viewer that does not drain in time is cut off (it resumes with
 * Last-Event-ID) instead of growing this process's memory.
 */
export class SseResponse {
  private heartbeat: NodeJS.Timeout | undefined;
  readonly closed: Promise<void>;
  private isClosed = false;
  /** Disconnected by us for falling behind (it resumes with Last-Event-ID). */
  wasCutOff = false;

  constructor(
    private readonly response: ServerResponse,
    private readonly options: { heartbeatMs: number; retryMs: number; maxBufferedBytes: number; registry?: Set<SseResponse> | undefined },
  ) {
    options.registry?.add(this);
    this.closed = new Promise((resolve) =>
      response.once('close', () => {
        this.isClosed = true;
        options.registry?.delete(this);
        resolve();
      }),
    );
  }

  open(headers: Record<string, string> = {}): void {
    this.response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...headers,
    });
    this.response.write(`retry: ${this.options.retryMs}\n\n`);
    this.heartbeat = setInterval(() => this.comment('keep-alive'), this.options.heartbeatMs);
  }

  get isOpen(): boolean {
    return !this.isClosed && !this.response.destroyed;
  }

  /** Writes one event; false when the viewer is gone or was cut off. */
  send(id: string, type: string, json: string): boolean {
    if (!this.isOpen) return false;
    this.response.write(`id: ${id}\nevent: ${type}\ndata: ${json}\n\n`);
    return true;
  }

  /** Writes log entries as events, in one chunk per call; false when the viewer is gone or was cut off. */
  sendEntries(entries: readonly LogEntry[]): boolean {
    if (!this.isOpen) return false;
    if (entries.length === 1) {
      this.response.write(frameOf(entries[0]!));
      return true;
    }
    this.response.write(Buffer.concat(entries.map(frameOf)));
    return true;
  }

  /** More unsent bytes than the viewer may hold back: wait for `drained()` before sending more. */
  get congested(): boolean {
    return this.response.writableLength > this.options.maxBufferedBytes;
  }

  /** True once the viewer has taken the bytes; false when it closed or stalled past `timeoutMs` (then it is cut off). */
  drained(timeoutMs: number): Promise<boolean> {
    if (!this.isOpen) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (drained: boolean) => {
        clearTimeout(timer);
        this.response.off('drain', onDrain);
        this.response.off('close', onClose);
        if (!drained && this.isOpen) this.cutOff();
        resolve(drained);
      };
      const onDrain = () => finish(true);
      const onClose = () => finish(false);
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.response.on('drain', onDrain);
      this.response.on('close', onClose);
    });
  }

  /** Drops the connection, and the bytes it could not take, so memory stays bounded. */
  cutOff(): void {
    this.wasCutOff = true;
    this.response.destroy();
  }

  comment(text: string): void {
    if (this.isOpen) this.response.write(`: ${text}\n\n`);
  }

  /**
   * Ends the stream because this process is shutting down: a short `retry:`
   * so EventSource reconnects soon (to another process, behind a balancer),
   * then the end. Every event already written carried its id, so the viewer
   * resumes with Last-Event-ID and gets exactly the rest.
   */
  handOver(retryMs: number): void {
    if (!this.isOpen) return;
    this.response.write(`: this API process is shutting down; reconnect with Last-Event-ID\n${formatSseRetry(retryMs)}`);
    this.end();
  }

  end(): void {
    this.options.registry?.delete(this);
    clearInterval(this.heartbeat);
    if (this.isOpen) this.response.end();
  }
}
