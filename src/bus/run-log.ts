import type { Redis, Result } from 'ioredis';
import { runEventSchema, type LoggedEvent, type RunEvent } from '../events.js';
import { fenceField, fencedReplyPrefix, refusedBy, StaleAttemptError, type AttemptFence } from './attempt-fence.js';
import { LogGaps } from './log-gaps.js';
import { compareStreamIds } from './stream-id.js';

/**
 * The per-run ordered log: a Redis Stream, plus a pub/sub message carrying the
 * same entry and its id, written by one Lua script so no viewer can see one
 * without the other. Each append carries a producer id and sequence number so
 * a batch re-sent after a dropped connection is not appended twice, and may
 * carry an attempt fence so a superseded activity attempt appends nothing
 * once its successor wrote (attempt-fence.ts).
 */

export interface RunLogOptions {
  /** Prefix for every key and channel; tests give each file its own. */
  keyPrefix?: string;
  /** Approximate cap on entries per run (XADD MAXLEN ~). */
  maxLength?: number;
  /** Idle time after which a run's log expires; renewed on every append. */
  ttlSeconds?: number;
}

// KEYS[1] log, KEYS[2] producer hash; ARGV: producer, seq, maxlen, ttl, json, channel,
// fence field ('' when unfenced), attempt. An entry already appended answers its id even
// from a fenced attempt: it went in before the fence rose.
const appendScript = `
local last = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '-1')
local seq = tonumber(ARGV[2])
if seq <= last then
  return redis.call('HGET', KEYS[2], ARGV[1] .. ':id')
end
if ARGV[7] ~= '' then
  local attempt = tonumber(ARGV[8])
  local fence = tonumber(redis.call('HGET', KEYS[2], ARGV[7]) or '0')
  if attempt < fence then
    return redis.error_reply('${fencedReplyPrefix}' .. fence)
  end
  if attempt > fence then
    redis.call('HSET', KEYS[2], ARGV[7], attempt)
  end
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'e', ARGV[5])
redis.call('HSET', KEYS[2], ARGV[1], seq, ARGV[1] .. ':id', id)
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('PUBLISH', ARGV[6], id .. '\\n' .. ARGV[5])
return id
`;

type AppendCommand = (
  logKey: string,
  cursorKey: string,
  producer: string,
  seq: number,
  maxLength: number,
  ttlSeconds: number,
  json: string,
  channel: string,
  fenceField: string,
  attempt: number,
) => Promise<string>;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    runstreamAppend(...args: Parameters<AppendCommand>): Result<string, Context>;
  }
}

const scriptedConnections = new WeakSet<Redis>();

export interface AppendRequest {
  producer: string;
  seq: number;
  event: RunEvent;
  /** The activity attempt writing this entry: refused once a later attempt of its execution appended. */
  fence?: AttemptFence | undefined;
}

export class RunLog {
  readonly keyPrefix: string;
  readonly maxLength: number;
  readonly ttlSeconds: number;
  /** Gap markers for events publishers in this process gave up (see log-gaps.ts). */
  readonly gaps: LogGaps;

  constructor(
    readonly redis: Redis,
    options: RunLogOptions = {},
  ) {
    this.keyPrefix = options.keyPrefix ?? 'runstream:';
    this.maxLength = options.maxLength ?? 100_000;
    this.ttlSeconds = options.ttlSeconds ?? 7 * 24 * 3600;
    if (!scriptedConnections.has(redis)) {
      redis.defineCommand('runstreamAppend', { numberOfKeys: 2, lua: appendScript });
      scriptedConnections.add(redis);
    }
    this.gaps = new LogGaps(redis, { logKey: (runId) => this.logKey(runId), gapKey: (runId) => this.gapKey(runId), ttlSeconds: this.ttlSeconds });
  }

  // Hash tags keep a run's keys on one Redis Cluster slot.
  logKey(runId: string): string {
    return `${this.keyPrefix}{${runId}}:log`;
  }
  cursorKey(runId: string): string {
    return `${this.keyPrefix}{${runId}}:producers`;
  }
  gapKey(runId: string): string {
    return `${this.keyPrefix}{${runId}}:gap`;
  }
  channel(runId: string): string {
    return `${this.keyPrefix}{${runId}}:live`;
  }

  /**
   * Appends in order, in one round trip; returns the log ids. Throws
   * `StaleAttemptError` (with the ids appended before it) when an entry's
   * attempt was superseded: that entry and the rest of the batch are refused.
   */
  async append(runId: string, entries: AppendRequest[]): Promise<string[]> {
    const pipeline = this.redis.pipeline();
    for (const entry of entries) {
      pipeline.runstreamAppend(
        this.logKey(runId),
        this.cursorKey(runId),
        entry.producer,
        entry.seq,
        this.maxLength,
        this.ttlSeconds,
        JSON.stringify(entry.event),
        this.channel(runId),
        entry.fence ? fenceField(entry.fence.execution) : '',
        entry.fence?.attempt ?? 0,
      );
    }
    const results = (await pipeline.exec()) ?? [];
    const ids: string[] = [];
    for (const [index, [error, id]] of results.entries()) {
      if (error) {
        const fence = refusedBy(error);
        const entry = entries[index];
        if (fence !== undefined && entry?.fence) throw new StaleAttemptError(runId, entry.fence, fence, ids);
        throw error;
      }
      ids.push(String(id));
    }
    return ids;
  }

  /** Entries strictly after `afterId` (from the start when undefined), at most `count`. */
  async read(runId: string, afterId: string | undefined, count = 1000): Promise<LogEntry[]> {
    const start = afterId === undefined ? '-' : `(${afterId}`;
    const rows = await this.redis.xrange(this.logKey(runId), start, '+', 'COUNT', count);
    return rows.map(([id, fields]) => parseLogEntry(id, fields[1] ?? ''));
  }

  /**
   * Whether the log still holds every entry after `afterId`: false once
   * trimming or expiry removed some of them, or a publisher gave up events
   * that belong before the gap marker (the caller then needs a snapshot).
   */
  async covers(runId: string, afterId: string | undefined): Promise<boolean> {
    return (await this.coverage(runId, afterId)) === 'covered';
  }

  /**
   * Whether the log holds every entry after `afterId`: `missing` when there is
   * no log (not begun, or expired), `gap` when trimming, deletion or a
   * publisher that gave up events (the gap marker) removed some of them.
   * XTRIM does not move `max-deleted-entry-id` (Redis 7.0), so removal is seen
   * by comparing `entries-added` with `length`: once entries were removed, only
   * an id at or past the first entry still held (and past any XDEL) is covered.
   */
  async coverage(runId: string, afterId: string | undefined): Promise<'covered' | 'gap' | 'missing'> {
    const [gap, info] = await Promise.all([
      this.redis.get(this.gapKey(runId)),
      this.redis.call('XINFO', 'STREAM', this.logKey(runId)).catch(() => undefined) as Promise<unknown[] | undefined>,
    ]);
    if (!info) return 'missing';
    // A publisher gave up events at or before the gap marker: whoever read only up to it may have missed them.
    if (gap !== null && (afterId === undefined || compareStreamIds(afterId, gap) <= 0)) return 'gap';
    const fields = new Map<string, unknown>();
    for (let index = 0; index + 1 < info.length; index += 2) fields.set(String(info[index]), info[index + 1]);
    if (Number(fields.get('entries-added')) === Number(fields.get('length'))) return 'covered';
    if (afterId === undefined) return 'gap';
    const maxDeleted = String(fields.get('max-deleted-entry-id') ?? '0-0');
    const firstEntry = fields.get('first-entry');
    const firstId = Array.isArray(firstEntry) ? String(firstEntry[0]) : String(fields.get('last-generated-id') ?? '0-0');
    return compareStreamIds(afterId, maxDeleted) >= 0 && compareStreamIds(afterId, firstId) >= 0 ? 'covered' : 'gap';
  }

  async exists(runId: string): Promise<boolean> {
    return (await this.redis.exists(this.logKey(runId))) === 1;
  }
}

/** A log entry keeps its JSON text so fan-out can write it to many viewers without serializing again. */
export interface LogEntry extends LoggedEvent {
  json: string;
}

export function parseLogEntry(id: string, json: string): LogEntry {
  return { id, event: runEventSchema.parse(JSON.parse(json)), json };
}

/** A pub/sub message is `<id>\n<json>`; JSON.stringify never emits a raw newline. */
export function parseLiveMessage(message: string): LogEntry {
  const newline = message.indexOf('\n');
  return parseLogEntry(message.slice(0, newline), message.slice(newline + 1));
}
