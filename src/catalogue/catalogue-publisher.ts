import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { RedisClient } from '../redis.js';
import { catalogueKeys, canonicalJson, digestOf, type CatalogueDocument } from './catalogue-document.js';

export interface CatalogueTiming {
  /** How often a live worker says so again (default 10 s). */
  refreshMs: number;
  /** A worker not heard from for this long is gone from the catalogue (default 30 s). */
  ttlMs: number;
}

export const defaultCatalogueTiming: CatalogueTiming = { refreshMs: 10_000, ttlMs: 30_000 };

/**
 * Stamps the worker with Redis's own clock (hosts' clocks may disagree) and
 * keeps its document alive as long as the worker is: both expire on their
 * own when it dies, and the hash expires once no worker is left.
 */
const publishScript = `
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode({ digest = ARGV[2], seenAt = ms, identity = ARGV[5] }))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return ms`;

/** A worker's side of the catalogue: publishes what it serves, refreshes while it lives, withdraws on shutdown. */
export class CataloguePublisher {
  readonly workerId = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  private timer: NodeJS.Timeout | undefined;
  private latest: CatalogueDocument | undefined;
  private stopped = false;
  private readonly keys;
  private readonly timing: CatalogueTiming;

  constructor(
    private readonly redis: RedisClient,
    options: { keyPrefix: string; taskQueue: string; timing?: Partial<CatalogueTiming> },
  ) {
    this.keys = catalogueKeys(options.keyPrefix, options.taskQueue);
    this.timing = { ...defaultCatalogueTiming, ...options.timing };
  }

  /** Publishes now (a changed document replaces the old one at once) and keeps refreshing it. */
  async publish(document: CatalogueDocument): Promise<void> {
    this.latest = document;
    await this.write();
    if (!this.timer && !this.stopped) {
      this.timer = setInterval(() => void this.write().catch(() => undefined), this.timing.refreshMs);
      this.timer.unref();
    }
  }

  /** Withdraws this worker at once (a graceful shutdown); a crash is noticed after `ttlMs`. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.redis.hdel(this.keys.workers, this.workerId).catch(() => undefined);
  }

  private async write(): Promise<void> {
    if (!this.latest || this.stopped) return;
    const json = canonicalJson(this.latest);
    const digest = digestOf(this.latest);
    await this.redis.eval(publishScript, 2, this.keys.workers, this.keys.document(digest), this.workerId, digest, json, this.timing.ttlMs, this.workerId);
  }
}
