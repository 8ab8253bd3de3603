import { Cluster, type Redis } from 'ioredis';
import { isCluster, type RedisClient } from '../redis.js';
import { PlainLiveTransport, ShardedLiveTransport, type LiveTransport } from './live-transport.js';

/**
 * Cancel requests, told to workers through Redis the moment an API process
 * has handed them to Temporal. An activity learns that it was cancelled only
 * from a heartbeat's answer, and a streaming model step heartbeats every
 * couple of seconds (each heartbeat is a write in Temporal's database); a
 * notice makes the run's step heartbeat at once and then at every tick, so a
 * cancel still stops the stream within a fraction of a second. A notice is
 * only a hint: one that is lost (Redis away, a cancel sent with Temporal's own
 * tools) costs latency, never correctness, as the regular heartbeat brings
 * the cancel anyway.
 */
export const cancelNoticeChannel = (keyPrefix: string) => `${keyPrefix}cancel-notices`;

/** Says that `runId` was asked to stop; never throws (a lost notice only delays the cancel). */
export async function announceCancel(redis: RedisClient, keyPrefix: string, runId: string): Promise<void> {
  const channel = cancelNoticeChannel(keyPrefix);
  // Sharded on a cluster, as the workers subscribe: the notice goes to one shard, not to every node.
  await (isCluster(redis) ? redis.spublish(channel, runId) : redis.publish(channel, runId)).catch(() => undefined);
}

/** A worker's one subscription to the notices, handing each to the model steps of that run running here. */
export class CancelNotices {
  private readonly watchers = new Map<string, Set<() => void>>();
  private readonly transport: LiveTransport;
  private readonly channel: string;
  private readonly subscribed: Promise<void>;

  constructor(
    private readonly subscriber: Redis | Cluster,
    keyPrefix: string,
  ) {
    this.channel = cancelNoticeChannel(keyPrefix);
    this.transport = subscriber instanceof Cluster ? new ShardedLiveTransport(subscriber) : new PlainLiveTransport(subscriber);
    this.transport.onMessage((channel, runId) => {
      if (channel !== this.channel) return;
      for (const notify of this.watchers.get(runId) ?? []) notify();
    });
    // Nothing to re-read after a reconnect: a notice missed meanwhile is left to the regular heartbeat.
    this.transport.onResync(() => undefined);
    this.subscribed = this.transport.subscribe(this.channel);
    this.subscribed.catch(() => undefined);
  }

  /** Resolves once notices published from now on are received (tests wait for it). */
  ready(): Promise<void> {
    return this.subscribed;
  }

  /** Calls `notify` on each notice for `runId` until the returned function is called. */
  watch(runId: string, notify: () => void): () => void {
    let set = this.watchers.get(runId);
    if (!set) this.watchers.set(runId, (set = new Set()));
    set.add(notify);
    return () => {
      set.delete(notify);
      if (set.size === 0 && this.watchers.get(runId) === set) this.watchers.delete(runId);
    };
  }

  close(): void {
    this.subscriber.disconnect();
  }
}
