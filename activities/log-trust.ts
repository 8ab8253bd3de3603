import type { RunLog } from '../src/bus/run-log.js';
import type { RunPublisher } from '../src/bus/run-publisher.js';

/**
 * Whether a model step may checkpoint by reference: whether the run's log
 * still holds everything this attempt appended to it. The log is Redis, a
 * cache: a FLUSHALL, a restart without persistence or one from an older
 * snapshot, an expiry, all take entries away without telling the writer. The
 * append script keeps each producer's last appended sequence number in the
 * run's producer hash, in the same Redis and the same atomic call as the
 * entries, so that number standing below what this publisher saw appended
 * means the log lost entries; so does the hash being gone. Lost is for good
 * (this attempt's text in the log has a hole); a failed append or an
 * unanswered check only until a check succeeds again.
 *
 * The append script catches the same loss at the next append, whatever came
 * between (the HGET alone cannot: an append after the loss writes the cursor
 * anew), and the publisher keeps it (`lostAppended`).
 *
 * A check is one HGET, started with each checkpoint and read by the next one,
 * so a loss is noticed within a checkpoint interval; a worker that dies inside
 * that interval leaves a checkpoint by reference the next attempt cannot use
 * (it verifies the log and regenerates the step instead).
 */
export class LogTrust {
  private lost = false;
  /** Failed appends the last successful check saw; undefined until one succeeds (untrusted until verified). */
  private failuresAtCheck: number | undefined;
  private verifiedAt = 0;
  private checking: Promise<void> | undefined;

  constructor(
    private readonly log: RunLog,
    private readonly publisher: RunPublisher,
    /** A verdict older than this is no verdict: a check that hangs (Redis not answering) must not keep the trust. */
    private readonly maxAgeMs: number,
  ) {}

  /** A recent check found the log whole, and no append failed since. */
  get trusted(): boolean {
    return (
      !this.lost &&
      !this.publisher.lostAppended &&
      this.failuresAtCheck === this.publisher.failedAppends &&
      Date.now() - this.verifiedAt <= this.maxAgeMs
    );
  }

  /** Starts a check unless one is in flight; never throws. */
  check(): void {
    this.checking ??= this.verify().finally(() => {
      this.checking = undefined;
    });
  }

  private async verify(): Promise<void> {
    // Read before asking: what was acknowledged by now was executed by Redis before this HGET.
    const appended = this.publisher.appendedSeq;
    const failures = this.publisher.failedAppends;
    try {
      const last = await this.log.redis.hget(this.log.cursorKey(this.publisher.runId), this.publisher.producer);
      if (appended >= 0 && (last === null || Number(last) < appended)) this.lost = true;
      this.failuresAtCheck = failures;
      this.verifiedAt = Date.now();
    } catch {
      this.failuresAtCheck = undefined;
    }
  }
}
