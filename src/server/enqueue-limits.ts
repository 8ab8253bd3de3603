import type { RedisClient } from '../redis.js';
import { rememberRunSlot, runSlotKey } from '../runs/run-slots.js';
import { ApiError } from './api-error.js';
import { rateLimitRejections } from '../observability/metrics.js';

export interface EnqueueLimitSettings {
  /** Enqueues a key may make per window (429 with Retry-After above it). */
  ratePerWindow: number;
  windowSeconds: number;
  /** Runs a key may have queued or running at once (429 above it). */
  maxConcurrentRuns: number;
  /**
   * How often, at most, a full key's slots are checked against Temporal for
   * runs that ended without giving theirs back (terminated from outside, or
   * their final publish failed). Runs that end normally give it back themselves.
   */
  reclaimIntervalSeconds: number;
}

export const defaultEnqueueLimits: EnqueueLimitSettings = { ratePerWindow: 60, windowSeconds: 60, maxConcurrentRuns: 50, reclaimIntervalSeconds: 30 };

// A fixed window counter: INCR, and the first request of a window sets its expiry.
const rateScript = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return { count, ttl }
`;

// A slot per run id: a retry of the same idempotent run holds the same slot, never a second one.
const reserveScript = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 2 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1
`;

/**
 * Per-key enqueue limits kept in Redis (DESIGN "Scale"): every API process
 * sees the same counters, so adding processes does not multiply the limits.
 */
export class EnqueueLimits {
  constructor(
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
    readonly settings: EnqueueLimitSettings = defaultEnqueueLimits,
  ) {}

  private rateKey(keyId: string): string {
    return `${this.keyPrefix}keys:{${keyId}}:enqueue-rate`;
  }
  private activeKey(keyId: string): string {
    return `${this.keyPrefix}keys:{${keyId}}:active-runs`;
  }
  private reclaimKey(keyId: string): string {
    return `${this.keyPrefix}keys:{${keyId}}:reclaimed`;
  }

  /** Counts one enqueue; throws 429 with Retry-After once the window's budget is spent. */
  async checkRate(keyId: string): Promise<void> {
    const [count, ttl] = (await this.redis.eval(rateScript, 1, this.rateKey(keyId), this.settings.windowSeconds)) as [number, number];
    if (count > this.settings.ratePerWindow) {
      const retryAfter = Math.max(1, ttl);
      rateLimitRejections.inc({ limit: 'rate' });
      throw new ApiError(
        'rate_limited',
        `rate limit: at most ${this.settings.ratePerWindow} runs per ${this.settings.windowSeconds} s for this key; retry in ${retryAfter} s`,
        undefined,
        { 'retry-after': String(retryAfter) },
      );
    }
  }

  /**
   * Takes a concurrency slot for `runId` (`added` is false when the run already held one), noting which key holds it so the
   * run's final publish gives it back (run-slots.ts). When the key looks full, and no check was made in the last
   * `reclaimIntervalSeconds`, slots of runs that ended without giving theirs back are reclaimed (`isActive` asks Temporal),
   * then it tries once more.
   */
  async reserve(keyId: string, runId: string, isActive: (runId: string) => Promise<boolean>): Promise<{ added: boolean }> {
    const key = this.activeKey(keyId);
    const attempt = async () => {
      // Sent together (auto-pipelined on one Redis); not one pipeline, since on a cluster the two keys are in different slots.
      const [, reply] = await Promise.all([
        rememberRunSlot(this.redis, this.keyPrefix, runId, key),
        this.redis.eval(reserveScript, 1, key, runId, this.settings.maxConcurrentRuns, Date.now()),
      ]);
      return Number(reply);
    };
    const first = await attempt();
    if (first !== 0) return { added: first === 1 };
    // A key at its limit would otherwise ask Temporal about every one of its runs on every refused enqueue.
    if (this.settings.reclaimIntervalSeconds > 0) {
      const mayReclaim = await this.redis.set(this.reclaimKey(keyId), '1', 'EX', this.settings.reclaimIntervalSeconds, 'NX');
      if (mayReclaim === null) return this.refuse(runId);
    }
    const members = await this.redis.zrange(key, 0, -1);
    const ended = (
      await Promise.all(members.map(async (member) => ((await isActive(member).catch(() => true)) ? undefined : member)))
    ).filter((member): member is string => member !== undefined);
    if (ended.length > 0) await this.redis.zrem(key, ...ended);
    const second = await attempt();
    if (second !== 0) return { added: second === 1 };
    return this.refuse(runId);
  }

  private async refuse(runId: string): Promise<never> {
    await this.redis.del(runSlotKey(this.keyPrefix, runId)); // no slot was taken
    rateLimitRejections.inc({ limit: 'concurrency' });
    throw new ApiError(
      'rate_limited',
      `concurrency limit: this key already has ${this.settings.maxConcurrentRuns} runs queued or running; retry when one ends`,
      undefined,
      { 'retry-after': '5' },
    );
  }

  /** Gives a slot back (the enqueue that took it was rejected). */
  async release(keyId: string, runId: string): Promise<void> {
    await Promise.all([this.redis.zrem(this.activeKey(keyId), runId), this.redis.del(runSlotKey(this.keyPrefix, runId))]);
  }
}
