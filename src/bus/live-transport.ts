import { Redis, type Cluster } from 'ioredis';
import { logger } from '../observability/logger.js';

/**
 * How a process receives live messages: plain pub/sub on one Redis, sharded
 * pub/sub (SSUBSCRIBE, Redis ≥ 7) on a cluster. LiveSubscriptions counts
 * viewers per channel on top; a transport only (un)subscribes channels and
 * says when messages may have been missed, after it resubscribed, so followers
 * re-read the log then and lose nothing.
 */
export interface LiveTransport {
  /** Resolves once messages published on `channel` from now on reach `onMessage`. */
  subscribe(channel: string): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  onMessage(handler: (channel: string, message: string) => void): void;
  /** Channels that may have missed messages ('all': every one), already subscribed again. */
  onResync(handler: (channels: readonly string[] | 'all') => void): void;
  /** Redis connections receiving messages (one, or one per shard in use). */
  readonly connections: number;
}

/** One connection, SUBSCRIBE per channel; ioredis resubscribes after a reconnect, then followers re-read. */
export class PlainLiveTransport implements LiveTransport {
  constructor(private readonly subscriber: Redis) {}
  subscribe = async (channel: string) => void (await this.subscriber.subscribe(channel));
  unsubscribe = async (channel: string) => void (await this.subscriber.unsubscribe(channel));
  onMessage(handler: (channel: string, message: string) => void): void {
    this.subscriber.on('message', handler);
  }
  onResync(handler: (channels: 'all') => void): void {
    this.subscriber.on('ready', () => handler('all'));
  }
  get connections(): number {
    return 1;
  }
}

const crcTable = Array.from({ length: 256 }, (_, byte) => {
  let crc = byte << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  return crc;
});

/** The cluster hash slot of a key or shard channel: CRC16 (XMODEM) of its `{hash tag}` if it has one, mod 16384. */
export function hashSlot(key: string): number {
  let bytes = Buffer.from(key);
  const open = bytes.indexOf('{');
  if (open >= 0) {
    const close = bytes.indexOf('}', open + 1);
    if (close > open + 1) bytes = bytes.subarray(open + 1, close);
  }
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ crcTable[((crc >> 8) ^ byte) & 0xff]!;
  return crc % 16384;
}

interface ChannelState {
  /** The node it is subscribed on (undefined: not subscribed right now). */
  node: string | undefined;
  /** It was subscribed before: resubscribing it must tell followers to re-read. */
  wasLive: boolean;
  waiters: Array<{ resolve: () => void }>;
}

type SlotRange = { low: number; high: number; node: string };

/**
 * Sharded pub/sub on a Redis Cluster: one connection per shard (its master),
 * whatever the number of channels and viewers, each channel SSUBSCRIBEd on
 * the master serving its slot. When a shard's connection breaks or its master
 * gives the slot away (a failover: Redis then drops the subscriptions), the
 * slot map is read again, the channels are subscribed on the new master, and
 * only then are followers told to re-read the log. The slot map is also
 * checked every `checkMs` while channels are followed, for a move nobody told
 * this connection about.
 */
export class ShardedLiveTransport implements LiveTransport {
  private readonly channels = new Map<string, ChannelState>();
  private readonly nodes = new Map<string, Redis>();
  private readonly messageHandlers: Array<(channel: string, message: string) => void> = [];
  private readonly resyncHandlers: Array<(channels: readonly string[]) => void> = [];
  private reconciling: Promise<void> | undefined;
  private again = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly cluster: Cluster,
    private readonly checkMs = 2_000,
  ) {
    this.timer = setInterval(() => {
      if (this.channels.size > 0) this.reconcile();
    }, this.checkMs);
    this.timer.unref();
    cluster.on('end', () => this.close());
  }

  async subscribe(channel: string): Promise<void> {
    let state = this.channels.get(channel);
    if (!state) {
      state = { node: undefined, wasLive: false, waiters: [] };
      this.channels.set(channel, state);
    }
    if (state.node !== undefined) return;
    const subscribed = new Promise<void>((resolve) => state.waiters.push({ resolve }));
    this.reconcile();
    await subscribed;
  }

  async unsubscribe(channel: string): Promise<void> {
    const state = this.channels.get(channel);
    this.channels.delete(channel);
    const connection = state?.node === undefined ? undefined : this.nodes.get(state.node);
    await connection?.sunsubscribe(channel).catch(() => undefined);
  }

  onMessage(handler: (channel: string, message: string) => void): void {
    this.messageHandlers.push(handler);
  }

  onResync(handler: (channels: readonly string[]) => void): void {
    this.resyncHandlers.push(handler);
  }

  get connections(): number {
    return this.nodes.size;
  }

  close(): void {
    clearInterval(this.timer);
    for (const connection of this.nodes.values()) connection.disconnect();
    this.nodes.clear();
  }

  /** Brings every channel to its slot's master; runs again while something changed meanwhile. */
  private reconcile(): void {
    if (this.reconciling) {
      this.again = true;
      return;
    }
    this.reconciling = (async () => {
      let backoffMs = 50;
      do {
        this.again = false;
        if (await this.reconcileOnce().catch(() => false)) backoffMs = 50;
        else {
          this.again = true;
          await new Promise((resolve) => setTimeout(resolve, backoffMs));
          backoffMs = Math.min(backoffMs * 2, 1_000);
        }
      } while (this.again && this.channels.size > 0);
    })().finally(() => {
      this.reconciling = undefined;
    });
  }

  /** One pass; false when something failed and it should run again. */
  private async reconcileOnce(): Promise<boolean> {
    const ranges = await this.slotMap();
    const ownerOf = (channel: string) => {
      const slot = hashSlot(channel);
      return ranges.find((range) => slot >= range.low && slot <= range.high)?.node;
    };
    let complete = true;
    await Promise.all(
      [...this.channels].map(async ([channel, state]) => {
        const owner = ownerOf(channel);
        if (owner === undefined) {
          complete = false; // a slot without a master: the cluster is failing over
          return;
        }
        if (state.node === owner && this.nodes.has(owner)) return;
        state.node = undefined;
        try {
          await this.connection(owner).ssubscribe(channel);
        } catch {
          complete = false;
          return;
        }
        if (this.channels.get(channel) !== state) return; // released meanwhile
        state.node = owner;
        // Told at once, before any message of the new subscription is handed on: a follower
        // must re-read the log before it takes a live entry past what it missed.
        if (state.wasLive) for (const handler of this.resyncHandlers) handler([channel]);
        state.wasLive = true;
        for (const waiter of state.waiters.splice(0)) waiter.resolve();
      }),
    );
    // Connections to nodes that no longer serve any followed channel are closed.
    const used = new Set([...this.channels.values()].map((state) => state.node));
    for (const [node, connection] of this.nodes) {
      if (!used.has(node) && !ranges.some((range) => range.node === node)) {
        this.nodes.delete(node);
        connection.disconnect();
      }
    }
    return complete;
  }

  private async slotMap(): Promise<SlotRange[]> {
    const reply = (await this.cluster.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number, ...unknown[]], ...unknown[]]>;
    return reply.map(([low, high, [host, port]]) => ({ low, high, node: `${host}:${port}` }));
  }

  private connection(node: string): Redis {
    const existing = this.nodes.get(node);
    if (existing) return existing;
    const separator = node.lastIndexOf(':');
    const { username, password, tls } = this.cluster.options.redisOptions ?? {};
    const connection = new Redis({
      host: node.slice(0, separator),
      port: Number(node.slice(separator + 1)),
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
      ...(tls ? { tls } : {}),
      connectionName: 'runstream-ssubscriber',
      // This class resubscribes, on whichever node then serves the slot; ioredis must not reconnect or resubscribe by itself.
      retryStrategy: () => null,
      autoResubscribe: false,
      maxRetriesPerRequest: null,
    });
    // Only from the node the channel is subscribed on, once it is: a message that comes while the
    // channel moves is in the log, and the re-read that follows the move delivers it.
    connection.on('smessage', (channel: string, message: string) => {
      if (this.channels.get(channel)?.node !== node || this.nodes.get(node) !== connection) return;
      for (const handler of this.messageHandlers) handler(channel, message);
    });
    // An error is the connection breaking or Redis dropping its subscriptions (an unrequested
    // SUNSUBSCRIBE when the node gives its slots away): either way, start over on a new connection.
    const lost = (error?: Error) => {
      if (this.nodes.get(node) !== connection) return;
      if (error) logger().warn({ node, error: error.message }, 'Redis shard subscriber lost; resubscribing');
      this.nodes.delete(node);
      connection.disconnect();
      for (const state of this.channels.values()) if (state.node === node) state.node = undefined;
      this.reconcile();
    };
    connection.on('error', lost);
    connection.on('end', () => lost());
    this.nodes.set(node, connection);
    return connection;
  }
}
