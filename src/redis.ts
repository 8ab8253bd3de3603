import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';
import { ConfigError } from './config.js';
import { logger } from './observability/logger.js';
import { redisReconnects } from './observability/metrics.js';

/** A connection to one Redis or to a Redis Cluster: every module takes either (same commands). */
export type RedisClient = Redis | Cluster;

export const isCluster = (redis: RedisClient): redis is Cluster => redis instanceof Cluster;

/**
 * Where Redis is: `redis://` / `rediss://` for one server (or a cluster's
 * nodes listed in REDIS_CLUSTER_NODES), `redis+cluster://host:port,host:port`
 * (`rediss+cluster://` with TLS) for a cluster named by its seed nodes. The
 * user and password of the URL apply to every node.
 */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: ClusterNode[]; tls: boolean; username?: string | undefined; password?: string | undefined };

const hostPort = (value: string, variable: string): { host: string; port: number } => {
  const match = /^\[?([^\s\]/]+?)\]?:(\d{1,5})$/.exec(value.trim());
  if (!match) throw new ConfigError(`${variable} must list host:port pairs separated by commas, e.g. 10.0.0.1:6379,10.0.0.2:6379`);
  return { host: match[1]!, port: Number(match[2]) };
};

export function redisTarget(url: string, clusterNodes?: string): RedisTarget {
  const cluster = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/?#]+)\/?$/.exec(url);
  if (cluster) {
    const [, scheme, credentials, hosts] = cluster;
    const [user, password] = credentials === undefined ? [] : credentials.split(':').map(decodeURIComponent);
    return {
      kind: 'cluster',
      nodes: hosts!.split(',').map((node) => hostPort(node, 'REDIS_URL')),
      tls: scheme === 'rediss',
      username: password === undefined ? undefined : user || undefined,
      password: password ?? (user || undefined),
    };
  }
  if (!/^rediss?:\/\//.test(url)) throw new ConfigError('REDIS_URL must start with redis://, rediss:// or redis+cluster://');
  if (clusterNodes) {
    const parsed = new URL(url);
    return {
      kind: 'cluster',
      nodes: clusterNodes.split(',').map((node) => hostPort(node, 'REDIS_CLUSTER_NODES')),
      tls: parsed.protocol === 'rediss:',
      username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
      password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    };
  }
  return { kind: 'single', url };
}

/**
 * The connections of a process (STYLE.md 8), from one factory: `commands`
 * publishes and runs commands (auto-pipelined); `subscriber` is shared by
 * every viewer in the process — on a cluster it is the cluster's view, and
 * LiveSubscriptions keeps one sharded-pub/sub connection per shard from it.
 */
export function connectRedis(url: string, role: 'commands' | 'subscriber', clusterNodes?: string): RedisClient {
  const target = redisTarget(url, clusterNodes);
  const common: RedisOptions = {
    connectionName: `runstream-${role}`,
    // Commands fail fast while Redis is away; publishers keep their own ordered buffer and retry.
    maxRetriesPerRequest: role === 'commands' ? 1 : null,
    enableOfflineQueue: role === 'subscriber',
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2_000),
  };
  const redis =
    target.kind === 'single'
      ? new Redis(target.url, {
          ...common,
          lazyConnect: false,
          // Commands issued in one tick (the appends of many runs, a viewer's reads) share one write and one round trip.
          enableAutoPipelining: role === 'commands',
        })
      : new Cluster(target.nodes, {
          redisOptions: {
            ...common,
            ...(target.username ? { username: target.username } : {}),
            ...(target.password ? { password: target.password } : {}),
            ...(target.tls ? { tls: {} } : {}),
          },
          // Auto-pipelining groups by node: the appends of runs on one shard share a write.
          enableAutoPipelining: role === 'commands',
          enableOfflineQueue: role === 'subscriber',
          // A failover moves slots: follow MOVED/ASK and CLUSTERDOWN quickly, re-read the slot map often.
          retryDelayOnFailover: 100,
          retryDelayOnClusterDown: 100,
          retryDelayOnTryAgain: 100,
          slotsRefreshInterval: 2_000,
          clusterRetryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2_000),
        });
  // Outages are expected and handled by callers (publish buffer, resubscribe); say so once per outage.
  let reported = false;
  const lost = (error: Error) => {
    if (!reported) logger().warn({ role, error: error.message }, 'Redis connection lost; retrying');
    reported = true;
  };
  redis.on('error', lost);
  if (isCluster(redis)) redis.on('node error', lost);
  redis.on('reconnecting', () => redisReconnects.inc({ role }));
  redis.on('ready', () => {
    reported = false;
  });
  return redis;
}
