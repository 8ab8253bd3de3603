import type { RedisClient } from '../redis.js';
import { gapMarkers } from '../observability/metrics.js';

/**
 * Gap markers of run logs. A publisher that gave up events (Redis away past
 * its flush timeout, or deltas shed from a full buffer) reports the run here;
 * the marker is written as soon as Redis answers: the log's last id at that
 * moment, raised, never lowered. `RunLog.covers(runId, afterId)` is false for
 * every `afterId` at or before it, so a viewer who may have missed the lost
 * events gets a snapshot from the transcript instead of a replay with a hole.
 * Until the marker is written, this process appends nothing more to that run
 * (publishers call `flush` first), so no later event can hide the gap.
 */

/**
 * Lua that raises the gap marker (key `gapKey`) to the newest id of the log
 * (key `logKey`), never lowering it, and leaves the marker in `marked`. Shared
 * by the marking script and the append script (which marks a log found to
 * have lost a producer's acknowledged entries, atomically with the append).
 */
export const raiseGapMarkerLua = (logKey: string, gapKey: string, ttl: string) => `
local marked = '0-0'
local newest = redis.call('XREVRANGE', ${logKey}, '+', '-', 'COUNT', 1)
if newest[1] then marked = newest[1][1] end
local current = redis.call('GET', ${gapKey})
if current then
  local cms, cseq = string.match(current, '(%d+)-(%d+)')
  local lms, lseq = string.match(marked, '(%d+)-(%d+)')
  if tonumber(cms) > tonumber(lms) or (tonumber(cms) == tonumber(lms) and tonumber(cseq) >= tonumber(lseq)) then
    marked = current
  end
end
redis.call('SET', ${gapKey}, marked, 'EX', ${ttl})
`;

// KEYS[1] log stream, KEYS[2] gap key; ARGV[1] ttl seconds. Returns the marker.
const markScript = `${raiseGapMarkerLua('KEYS[1]', 'KEYS[2]', 'ARGV[1]')}
return marked
`;

export class LogGaps {
  private readonly pending = new Map<string, Promise<void>>();
  private readonly giveUpAfterMs: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: { logKey: (runId: string) => string; gapKey: (runId: string) => string; ttlSeconds: number },
    options: { giveUpAfterMs?: number } = {},
  ) {
    this.giveUpAfterMs = options.giveUpAfterMs ?? 30 * 60_000;
  }

  /** Writes the marker now; throws while Redis is away. */
  async mark(runId: string): Promise<string> {
    return String(await this.redis.eval(markScript, 2, this.keys.logKey(runId), this.keys.gapKey(runId), this.keys.ttlSeconds));
  }

  /** Remembers that `runId`'s log lost events and keeps trying to mark it, in the background. */
  report(runId: string): void {
    if (this.pending.has(runId)) return;
    gapMarkers.inc();
    const deadline = Date.now() + this.giveUpAfterMs;
    const attempt = async (): Promise<void> => {
      let backoffMs = 100;
      for (;;) {
        try {
          await this.mark(runId);
          return;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, backoffMs).unref());
          backoffMs = Math.min(backoffMs * 2, 2_000);
        }
      }
    };
    const done = attempt().finally(() => this.pending.delete(runId));
    done.catch(() => undefined); // given up after the deadline: the log's TTL outlives nobody's interest
    this.pending.set(runId, done);
  }

  /** Resolves once no marker for `runId` is waiting to be written by this process. */
  async flush(runId: string): Promise<void> {
    const waiting = this.pending.get(runId);
    if (!waiting) return;
    await this.mark(runId); // fails fast while Redis is away; the caller retries
  }

  get pendingCount(): number {
    return this.pending.size;
  }
}
