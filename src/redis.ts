import { Redis } from 'ioredis';
import { logger } from './observability/logger.js';
import { redisReconnects } from './observability/metrics.js';

/**
 * The two connections of a process (STYLE.md 8): one publishes and runs
 * commands, one only subscribes and is shared by every viewer in the process.
 */
export function connectRedis(url: string, role: 'commands' | 'subscriber'): Redis {
  const redis = new Redis(url, {
    connectionName: `runstream-${role}`,
    // Commands fail fast while Redis is away; publishers keep their own ordered buffer and retry.
    maxRetriesPerRequest: role === 'commands' ? 1 : null,
    enableOfflineQueue: role === 'subscriber',
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2_000),
    lazyConnect: false,
    // Commands issued in one tick (the appends of many runs, a viewer's reads) share one write and one round trip.
    enableAutoPipelining: role === 'commands',
  });
  // Outages are expected and handled by callers (publish buffer, resubscribe); say so once per outage.
  let reported = false;
  redis.on('error', (error: Error) => {
    if (!reported) logger().warn({ role, error: error.message }, 'Redis connection lost; retrying');
    reported = true;
  });
  redis.on('reconnecting', () => redisReconnects.inc({ role }));
  redis.on('ready', () => {
    reported = false;
  });
  return redis;
}
