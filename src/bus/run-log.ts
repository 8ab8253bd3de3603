import type { Result } from 'ioredis';
import { isCluster, type RedisClient } from '../redis.js';
import { MalformedEventError, parseRunEventJson, type LoggedEvent, type RunEvent } from '../protocol/index.js';
import { fenceField, fencedReplyPrefix, refusedBy, StaleAttemptError, type AttemptFence } from './attempt-fence.js';
import { LogGaps, raiseGapMarkerLua } from './log-gaps.js';
import { compareStreamIds } from '../protocol/stream-id.js';
import { threadOfRun } from '../../workflows/thread-ids.js';

/**
 * The per-run ordered log: a Redis Stream, plus a pub/sub message carrying the
 * same entries and their ids, written by one Lua script so no viewer can see
 * one without the other. A batch of one producer's entries is one script
 * call, one round trip and one pub/sub message. Each entry carries a producer
 * id and sequence number so a batch re-sent after a dropped connection is not
 * appended twice, and may carry an attempt fence so a superseded activity
 * attempt appends nothing once its successor wrote (attempt-fence.ts).
 */

export interface RunLogOptions {
  /** Prefix for every key and channel; tests give each file its own. */
  keyPrefix?: string;
  /** Approximate cap on entries per run (XADD MAXLEN ~). */
  maxLength?: number;
  /** Idle time after which a run's log expires; renewed by appends (at most once a minute per producer). */
  ttlSeconds?: number;
}

// KEYS[1] log, KEYS[2] producer hash, (KEYS[3] the thread's log, for a turn's run,) then the gap key.
// ARGV: producer, maxlen, ttl (0: keep the expiry as it is), channel, fence field ('' when unfenced), attempt,
// the producer's last sequence number acknowledged to it ('' unchecked), the gap marker's ttl, (the thread's
// channel,) then seq and json of each entry, seqs increasing.
// Answers { '' or 'FENCED <fence>', '' or 'LOST', id of each entry appended or already in the log }. An entry
// already appended answers an id even from a fenced attempt: it went in before the fence rose.
// 'LOST': the producer hash stands below what was acknowledged to the producer, so the log lost entries
// (a FLUSHALL, a restart without persistence, a failover to a replica that had not received them); the gap
// marker is raised in the same call, before this call's entries, so no viewer replays across the hole.
// The pub/sub message (PUBLISH, or SPUBLISH on a cluster: sharded, so it reaches only the run's shard) is `<id>\n<json>` per new entry, joined by newlines (JSON has no raw newline).
// A turn's entries go to its thread's log in the same call (its keys share the thread's hash slot), so
// the thread's log holds exactly its turns' entries, in order, with ids of its own.
const appendScriptFor = (mirrored: boolean, publish: 'PUBLISH' | 'SPUBLISH') => `
local cursor = redis.call('HMGET', KEYS[2], ARGV[1], ARGV[1] .. ':id', ARGV[5] == '' and ARGV[1] or ARGV[5])
local last = tonumber(cursor[1] or '-1')
local lastId = cursor[2]
local ids = { '', '' }
local message = {}
local mirror = {}
local fenceChecked = ARGV[5] == ''
if ARGV[7] ~= '' and last < tonumber(ARGV[7]) then
  ${raiseGapMarkerLua('KEYS[1]', mirrored ? 'KEYS[4]' : 'KEYS[3]', 'ARGV[8]')}
  ids[2] = 'LOST'
end
for index = ${mirrored ? 10 : 9}, #ARGV, 2 do
  local seq = tonumber(ARGV[index])
  if seq <= last then
    ids[#ids + 1] = lastId
  else
    if not fenceChecked then
      fenceChecked = true
      local attempt = tonumber(ARGV[6])
      local fence = tonumber(cursor[3] or '0')
      if attempt < fence then
        ids[1] = '${fencedReplyPrefix}' .. fence
        break
      end
      if attempt > fence then redis.call('HSET', KEYS[2], ARGV[5], attempt) end
    end
    local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'e', ARGV[index + 1])
    ids[#ids + 1] = id
    message[#message + 1] = id .. '\\n' .. ARGV[index + 1]${
      mirrored
        ? `
    local threadId = redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], '*', 'e', ARGV[index + 1])
    mirror[#mirror + 1] = threadId .. '\\n' .. ARGV[index + 1]`
        : ''
    }
    last = seq
    lastId = id
  end
end
if #message > 0 then
  redis.call('HSET', KEYS[2], ARGV[1], last, ARGV[1] .. ':id', lastId)
  if ARGV[3] ~= '0' then
    redis.call('EXPIRE', KEYS[1], ARGV[3])
    redis.call('EXPIRE', KEYS[2], ARGV[3])${mirrored ? `
    redis.call('EXPIRE', KEYS[3], ARGV[3])` : ''}
  end
  redis.call('${publish}', ARGV[4], table.concat(message, '\\n'))${mirrored ? `
  redis.call('${publish}', ARGV[9], table.concat(mirror, '\\n'))` : ''}
end
return ids
`;

type AppendCommand = (
  logKey: string,
  cursorKey: string,
  gapKey: string,
  producer: string,
  maxLength: number,
  ttlSeconds: number,
  channel: string,
  fenceField: string,
  attempt: number,
  acknowledgedSeq: number | '',
  gapTtlSeconds: number,
  ...seqAndJson: (string | number)[]
) => Promise<string[]>;

type MirroredAppendCommand = (
  logKey: string,
  cursorKey: string,
  threadLogKey: string,
  gapKey: string,
  producer: string,
  maxLength: number,
  ttlSeconds: number,
  channel: string,
  fenceField: string,
  attempt: number,
  acknowledgedSeq: number | '',
  gapTtlSeconds: number,
  threadChannel: string,
  ...seqAndJson: (string | number)[]
) => Promise<string[]>;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    runstreamAppend(...args: Parameters<AppendCommand>): Result<string[], Context>;
    runstreamAppendMirrored(...args: Parameters<MirroredAppendCommand>): Result<string[], Context>;
  }
}

const scriptedConnections = new WeakSet<RedisClient>();

export interface AppendRequest {
  producer: string;
  seq: number;
  event: RunEvent;
  /** The activity attempt writing this entry: refused once a later attempt of its execution appended. */
  fence?: AttemptFence | undefined;
}

export interface AppendOptions {
  refreshTtl?: boolean;
  acknowledgedSeq?: number;
  onLost?: () => void;
}

export class RunLog {
  readonly keyPrefix: string;
  readonly maxLength: number;
  readonly ttlSeconds: number;
  /** Gap markers for events publishers in this process gave up (see log-gaps.ts). */
  readonly gaps: LogGaps;

  constructor(
    readonly redis: RedisClient,
    options: RunLogOptions = {},
  ) {
    this.keyPrefix = options.keyPrefix ?? 'runstream:';
    this.maxLength = options.maxLength ?? 100_000;
    this.ttlSeconds = options.ttlSeconds ?? 7 * 24 * 3600;
    if (!scriptedConnections.has(redis)) {
      // Sharded pub/sub on a cluster: the channel shares the run's hash slot, so the script may publish on it.
      const publish = isCluster(redis) ? 'SPUBLISH' : 'PUBLISH';
      redis.defineCommand('runstreamAppend', { numberOfKeys: 3, lua: appendScriptFor(false, publish) });
      redis.defineCommand('runstreamAppendMirrored', { numberOfKeys: 4, lua: appendScriptFor(true, publish) });
      scriptedConnections.add(redis);
    }
    this.gaps = new LogGaps(redis, { logKey: (runId) => this.logKey(runId), gapKey: (runId) => this.gapKey(runId), ttlSeconds: this.ttlSeconds });
  }

  // Hash tags keep a run's keys on one Redis Cluster slot; a thread's turns share the thread's slot.
  private slotted(runId: string): string {
    const thread = threadOfRun(runId)?.threadId;
    return thread ? `{${thread}}:${runId}` : `{${runId}}`;
  }
  logKey(runId: string): string {
    return `${this.keyPrefix}${this.slotted(runId)}:log`;
  }
  cursorKey(runId: string): string {
    return `${this.keyPrefix}${this.slotted(runId)}:producers`;
  }
  gapKey(runId: string): string {
    return `${this.keyPrefix}${this.slotted(runId)}:gap`;
  }
  channel(runId: string): string {
    return `${this.keyPrefix}${this.slotted(runId)}:live`;
  }

  /**
   * Appends in order, in one round trip (one script call per run of entries
   * sharing a producer and fence); returns the log ids. Throws
   * `StaleAttemptError` (with the ids appended before it) when an entry's
   * attempt was superseded: that entry and the rest of the batch are refused.
   * `refreshTtl: false` leaves the keys' expiry as the producer's earlier appends set it.
   * `acknowledgedSeq`: the last sequence number appends answered to this producer; a log
   * that no longer stands there lost entries (see the script), and `onLost` is told once
   * the gap is marked and the entries appended.
   */
  async append(runId: string, entries: AppendRequest[], options: AppendOptions = {}): Promise<string[]> {
    const groups: AppendRequest[][] = [];
    for (const entry of entries) {
      const group = groups.at(-1);
      const head = group?.[0];
      if (group && head && head.producer === entry.producer && head.fence?.execution === entry.fence?.execution && head.fence?.attempt === entry.fence?.attempt) {
        group.push(entry);
      } else groups.push([entry]);
    }
    // Sent as plain commands, not a pipeline of their own: with auto-pipelining the appends of every
    // run that published in the same tick share one write to Redis.
    const thread = threadOfRun(runId)?.threadId;
    const results = await Promise.allSettled(
      groups.map((group) => {
        const { producer, fence } = group[0]!;
        const ttl = options.refreshTtl === false ? 0 : this.ttlSeconds;
        const seqAndJson = group.flatMap((entry) => [entry.seq, JSON.stringify(entry.event)]);
        // What was acknowledged is the first entry's producer's; a later group of it finds the cursor past it anyway.
        const checked = options.acknowledgedSeq !== undefined && options.acknowledgedSeq >= 0 && producer === entries[0]!.producer;
        const acknowledged = checked ? options.acknowledgedSeq! : '';
        if (thread) {
          return this.redis.runstreamAppendMirrored(
            this.logKey(runId),
            this.cursorKey(runId),
            this.logKey(thread),
            this.gapKey(runId),
            producer,
            this.maxLength,
            ttl,
            this.channel(runId),
            fence ? fenceField(fence.execution) : '',
            fence?.attempt ?? 0,
            acknowledged,
            this.ttlSeconds,
            this.channel(thread),
            ...seqAndJson,
          );
        }
        return this.redis.runstreamAppend(
          this.logKey(runId),
          this.cursorKey(runId),
          this.gapKey(runId),
          producer,
          this.maxLength,
          ttl,
          this.channel(runId),
          fence ? fenceField(fence.execution) : '',
          fence?.attempt ?? 0,
          acknowledged,
          this.ttlSeconds,
          ...seqAndJson,
        );
      }),
    );
    const ids: string[] = [];
    for (const [index, result] of results.entries()) {
      if (result.status === 'rejected') throw result.reason;
      const [status = '', lost = '', ...groupIds] = result.value ?? [];
      ids.push(...groupIds.map(String));
      if (String(lost) === 'LOST') options.onLost?.();
      const refused = refusedBy(String(status));
      const fence = groups[index]![0]!.fence;
      if (refused !== undefined && fence) throw new StaleAttemptError(runId, fence, refused, ids);
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

  async coverage(runId: string, afterId: string | undefined): Promise<Coverage> {
    return (await this.inspect(runId, afterId)).coverage;
  }

  /**
   * In one round trip: whether the log holds every entry after `afterId`, and
   * its last entry. `missing` when there is no log (not begun, or expired),
   * `gap` when trimming, deletion or a publisher that gave up events (the gap
   * marker) removed some of them. XTRIM does not move `max-deleted-entry-id`
   * (Redis 7.0), so removal is seen by comparing `entries-added` with
   * `length`: once entries were removed, only an id at or past the first entry
   * still held (and past any XDEL) is covered.
   */
  async inspect(runId: string, afterId: string | undefined): Promise<{ coverage: Coverage; last?: { id: string; json: string } }> {
    const [[, gap], [, info]] = ((await this.redis.pipeline().get(this.gapKey(runId)).call('XINFO', 'STREAM', this.logKey(runId)).exec()) ?? []) as [
      [Error | null, string | null],
      [Error | null, unknown[] | undefined],
    ];
    if (!Array.isArray(info)) return { coverage: 'missing' };
    const fields = new Map<string, unknown>();
    for (let index = 0; index + 1 < info.length; index += 2) fields.set(String(info[index]), info[index + 1]);
    const lastEntry = fields.get('last-entry') as [string, string[]] | null | undefined;
    const last = Array.isArray(lastEntry) ? { id: String(lastEntry[0]), json: String(lastEntry[1]?.[1] ?? 'null') } : undefined;
    const withLast = (coverage: Coverage) => (last ? { coverage, last } : { coverage });
    // A publisher gave up events at or before the gap marker: whoever read only up to it may have missed them.
    if (gap && (afterId === undefined || compareStreamIds(afterId, gap) <= 0)) return withLast('gap');
    if (Number(fields.get('entries-added')) === Number(fields.get('length'))) return withLast('covered');
    if (afterId === undefined) return withLast('gap');
    const maxDeleted = String(fields.get('max-deleted-entry-id') ?? '0-0');
    const firstEntry = fields.get('first-entry');
    const firstId = Array.isArray(firstEntry) ? String(firstEntry[0]) : String(fields.get('last-generated-id') ?? '0-0');
    return withLast(compareStreamIds(afterId, maxDeleted) >= 0 && compareStreamIds(afterId, firstId) >= 0 ? 'covered' : 'gap');
  }

  async exists(runId: string): Promise<boolean> {
    return (await this.redis.exists(this.logKey(runId))) === 1;
  }
}

export type Coverage = 'covered' | 'gap' | 'missing';

/** A log entry keeps its JSON text so fan-out can write it to many viewers without serializing again. */
export interface LogEntry extends LoggedEvent {
  json: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * An entry of a type this process does not know (a newer worker wrote it) is
 * passed on as `unknown`, not refused; so is a malformed one, with its JSON
 * as written: one bad entry must not stop the stream of every viewer, and
 * whoever reads it (the client) reports it.
 */
export function parseLogEntry(id: string, json: string): LogEntry {
  try {
    return { id, event: parseRunEventJson(json), json };
  } catch (error) {
    if (!(error instanceof MalformedEventError)) throw error;
    const raw = isRecord(error.raw) ? error.raw : { type: 'malformed', text: json };
    return { id, event: { type: 'unknown', raw }, json };
  }
}

/** A pub/sub message is `<id>\n<json>` per entry, joined by newlines; JSON.stringify never emits a raw newline. */
export function parseLiveMessage(message: string): LogEntry[] {
  const lines = message.split('\n');
  const entries: LogEntry[] = [];
  for (let index = 0; index + 1 < lines.length; index += 2) entries.push(parseLogEntry(lines[index]!, lines[index + 1]!));
  return entries;
}
