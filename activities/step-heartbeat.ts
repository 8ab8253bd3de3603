import type { Context } from '@temporalio/activity';
import type { CheckpointSettings, StepCheckpoint } from './checkpoint.js';

/**
 * Heartbeats a model step. Heartbeats are how the activity learns it was
 * cancelled and how the server learns the worker is alive, so they go out on
 * a timer whatever the stream does. The SDK sends at most one per throttle
 * interval (the worker sets 500 ms) but encodes every call's details, so the
 * timer beats at that interval, not faster. The checkpoint they carry is
 * refreshed at most every `intervalMs`, or sooner once `intervalChars` of new
 * output arrived.
 */
export class StepHeartbeat {
  private current: StepCheckpoint | undefined;
  private charsSince = 0;
  private takenAt = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly context: Context,
    private readonly settings: CheckpointSettings,
    private readonly take: () => StepCheckpoint,
    options: { everyMs?: number; initial?: StepCheckpoint } = {},
  ) {
    this.current = options.initial;
    this.timer = setInterval(() => this.beat(), options.everyMs ?? 500);
    this.beat();
  }

  /** New output arrived: `chars` characters of text, reasoning or tool arguments (0 for a structural event). */
  output(chars: number, force = false): void {
    this.charsSince += chars;
    if (force || this.charsSince >= this.settings.intervalChars) this.refresh();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private refresh(): void {
    this.current = this.take();
    this.charsSince = 0;
    this.takenAt = Date.now();
    this.send();
  }

  private beat(): void {
    // A timed refresh also picks up deltas the publisher appended since (the logged length grows with acks).
    if (Date.now() - this.takenAt >= this.settings.intervalMs) this.refresh();
    else this.send();
  }

  private send(): void {
    if (this.current === undefined) this.context.heartbeat();
    else this.context.heartbeat(this.current);
  }
}
