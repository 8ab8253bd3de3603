import type { ServerResponse } from 'node:http';

/**
 * Server-Sent Events on Node's response, so the API sees backpressure: a
 * viewer whose unsent bytes pass `maxBufferedBytes` is cut off (it resumes
 * with Last-Event-ID) instead of growing this process's memory.
 */
export class SseResponse {
  private heartbeat: NodeJS.Timeout | undefined;
  readonly closed: Promise<void>;
  private isClosed = false;

  constructor(
    private readonly response: ServerResponse,
    private readonly options: { heartbeatMs: number; retryMs: number; maxBufferedBytes: number },
  ) {
    this.closed = new Promise((resolve) =>
      response.once('close', () => {
        this.isClosed = true;
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

  /** Writes one event; false when the viewer is gone or was cut off for falling behind. */
  send(id: string, type: string, json: string): boolean {
    if (!this.isOpen) return false;
    this.response.write(`id: ${id}\nevent: ${type}\ndata: ${json}\n\n`);
    if (this.response.writableLength > this.options.maxBufferedBytes) {
      this.response.destroy();
      return false;
    }
    return true;
  }

  comment(text: string): void {
    if (this.isOpen) this.response.write(`: ${text}\n\n`);
  }

  end(): void {
    clearInterval(this.heartbeat);
    if (this.isOpen) this.response.end();
  }
}
