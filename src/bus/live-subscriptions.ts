import { Cluster, type Redis } from 'ioredis';
import { PlainLiveTransport, ShardedLiveTransport, type LiveTransport } from './live-transport.js';
import { parseLiveMessage, type LogEntry } from './run-log.js';

export interface LiveListener {
  onEntry: (entry: LogEntry) => void;
  /** The subscriber connection came back: messages may have been missed, re-read the log. */
  onReconnect: () => void;
}

interface Channel {
  listeners: Set<LiveListener>;
  ready: Promise<void>;
}

/**
 * One subscriber connection per process (per shard on a cluster), shared by
 * every viewer in it: one SUBSCRIBE (SSUBSCRIBE) per run however many viewers
 * follow that run, released with the last of them. Each message (a batch of
 * entries) is parsed once, then handed to all listeners.
 */
export class LiveSubscriptions {
  private readonly channels = new Map<string, Channel>();
  private readonly transport: LiveTransport;

  /** A Redis Cluster connection gets sharded pub/sub, matching RunLog's SPUBLISH on a cluster. */
  constructor(subscriber: Redis | Cluster | LiveTransport) {
    const transport = (this.transport =
      subscriber instanceof Cluster ? new ShardedLiveTransport(subscriber) : 'onResync' in subscriber ? subscriber : new PlainLiveTransport(subscriber));
    transport.onMessage((channel: string, message: string) => {
      const entry = this.channels.get(channel);
      if (!entry || entry.listeners.size === 0) return;
      let parsed: LogEntry[];
      try {
        parsed = parseLiveMessage(message);
      } catch {
        return; // not ours, or from a newer writer: the log replay is authoritative anyway
      }
      for (const listener of entry.listeners) for (const logEntry of parsed) listener.onEntry(logEntry);
    });
    // Subscribed again after a reconnect (or a failover): tell followers to fill the gap from the log.
    transport.onResync((names) => {
      const affected = names === 'all' ? [...this.channels.values()] : names.map((name) => this.channels.get(name));
      for (const channel of affected) for (const listener of channel?.listeners ?? []) listener.onReconnect();
    });
  }

  /** Resolves once the subscription is live; the returned function releases it. */
  async subscribe(channelName: string, listener: LiveListener): Promise<() => Promise<void>> {
    let channel = this.channels.get(channelName);
    if (!channel) {
      const created: Channel = {
        listeners: new Set(),
        ready: this.transport.subscribe(channelName),
      };
      created.ready.catch(() => this.channels.delete(channelName));
      channel = created;
      this.channels.set(channelName, channel);
    }
    channel.listeners.add(listener);
    const subscribed = channel;
    try {
      await subscribed.ready;
    } catch (error) {
      subscribed.listeners.delete(listener);
      throw error;
    }
    return async () => {
      subscribed.listeners.delete(listener);
      if (subscribed.listeners.size === 0 && this.channels.get(channelName) === subscribed) {
        this.channels.delete(channelName);
        await this.transport.unsubscribe(channelName).catch(() => undefined);
      }
    };
  }

  /** Number of channels this process is subscribed to (one per followed run). */
  get channelCount(): number {
    return this.channels.size;
  }

  /** Redis connections receiving them (one; on a cluster one per shard in use). */
  get connectionCount(): number {
    return this.transport.connections;
  }

  /** Followers sharing those channels (one per open viewer stream). */
  get listenerCount(): number {
    let count = 0;
    for (const channel of this.channels.values()) count += channel.listeners.size;
    return count;
  }
}
