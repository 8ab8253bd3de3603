import type { Context } from '@temporalio/activity';
import type { CheckpointSettings, StepCheckpoint } from './checkpoint.js';

/** How often the timer looks at the step; also the fastest a heartbeat reaches the server (the worker's throttle). */
const tickMs = 500;
/** How long a step heartbeats at every tick after a cancel notice, waiting for Temporal to say it was cancelled. */
const hurryMs = 10_000;

/**
 * Time between two heartbeats sent while nothing urges one: each is a write of
 * the activity's state in Temporal's database, so this is most of what a
 * streaming run costs the server. Half the heartbeat timeout (a dead worker is
 * still noticed after `heartbeatTimeout`; the SDK's own throttle allows 80%),
 * at most 5 s. A longer gap costs a crash nothing: the next attempt carries on
 * from all the text the log holds, not from the last checkpoint (step-resume.ts).
 */
export const heartbeatEveryMs = (heartbeatTimeoutMs: number | undefined) =>
  Math.max(tickMs, Math.min(5_000, (heartbeatTimeoutMs ?? 10_000) / 2));

/**
 * Heartbeats a model step. Heartbeats are how the server learns the worker is
 * alive and how the activity learns it was cancelled (from a heartbeat's
 * answer), so they go out on a timer whatever the stream does: every
 * `heartbeatEveryMs`, sooner when `intervalChars` of new output arrived or a
 * tool call completed, and at every tick for a while after `hurry()` (a cancel
 * notice: the answer saying "cancelled" then comes within a tick). The
 * checkpoint a heartbeat carries is taken again when it is `intervalMs` old.
 */
export class StepHeartbeat {
  private current: StepCheckpoint | undefined;
  private charsSince = 0;
  private takenAt = Date.now();
  private sentAt = 0;
  private hurryUntil = 0;
  private readonly everyMs: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly context: Context,
    private readonly settings: CheckpointSettings,
    private readonly take: () => StepCheckpoint,
    options: { initial?: StepCheckpoint } = {},
  ) {
    this.current = options.initial;
    this.everyMs = heartbeatEveryMs(context.info.heartbeatTimeoutMs);
    this.timer = setInterval(() => this.tick(), tickMs);
    this.send();
  }

  /** New output arrived: `chars` characters of text, reasoning or tool arguments (0 for a structural event). */
  output(chars: number, force = false): void {
    this.charsSince += chars;
    if (force || this.charsSince >= this.settings.intervalChars) {
      this.refresh();
      this.send();
    }
  }

  /** Someone asked to cancel the run: heartbeat now and at every tick, so Temporal's answer arrives at once. */
  hurry(): void {
    this.hurryUntil = Date.now() + hurryMs;
    this.send();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private refresh(): void {
    this.current = this.take();
    this.charsSince = 0;
    this.takenAt = Date.now();
  }

  private tick(): void {
    const now = Date.now();
    if (now < this.hurryUntil || now - this.sentAt >= this.everyMs - tickMs / 2) {
      // A timed refresh also picks up deltas the publisher appended since (the logged length grows with acks).
      if (now - this.takenAt >= this.settings.intervalMs) this.refresh();
      this.send();
    }
  }

  private send(): void {
    this.sentAt = Date.now();
    if (this.current === undefined) this.context.heartbeat();
    else this.context.heartbeat(this.current);
  }
}
