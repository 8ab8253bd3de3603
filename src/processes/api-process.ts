import { createHash, randomBytes } from 'node:crypto';
import { serve, type ServerType } from '@hono/node-server';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { openBlobStore } from '../blobs/open-blob-store.js';
import { TranscriptStore } from '../blobs/transcript-store.js';
import { LiveSubscriptions } from '../bus/live-subscriptions.js';
import { announceCancel } from '../bus/cancel-notices.js';
import { RunLog } from '../bus/run-log.js';
import { ConfigError, parseApiKeys, type Env } from '../config.js';
import { defaultModelName } from '../models.js';
import { connectRedis } from '../redis.js';
import { RunService } from '../runs/run-service.js';
import { ThreadService } from '../threads/thread-service.js';
import { createApiApp } from '../server/app.js';
import { ApiKeys } from '../server/api-keys.js';
import { defaultEnqueueLimits, EnqueueLimits, type EnqueueLimitSettings } from '../server/enqueue-limits.js';
import { corsFromEnv, type CorsSettings } from '../server/cors.js';
import type { SseSettings, StreamStats } from '../server/events-route.js';
import { ViewerTokens } from '../server/viewer-token.js';
import { payloadCodecFor } from '../codec/payload-encryption.js';
import { connectTemporalClient, temporalConnectionFromEnv } from '../temporal.js';
import { CatalogueReader } from '../catalogue/catalogue-reader.js';
import { observedGauge } from '../observability/metrics.js';
import { parseWebhookHosts } from '../webhooks/webhook-hosts.js';

export interface ApiProcess {
  url: string;
  /** Redis channels this process subscribes to (one per followed run, however many viewers) and the viewers sharing them. */
  liveStats(): { channels: number; listeners: number; connections: number; openStreams: number; cutOff: number };
  /** Stops at once: every connection is dropped. */
  close(): Promise<void>;
  /**
   * Graceful (SIGTERM): stops accepting, lets requests under way finish
   * (within `graceMs`, default 10 s), and ends every event stream with a
   * `retry:` hint (`retryMs`, default 500) so viewers resume elsewhere with Last-Event-ID.
   */
  shutdown(options?: { graceMs?: number; retryMs?: number }): Promise<void>;
}

export interface ApiProcessOptions {
  host?: string | undefined;
  port?: number | undefined;
  /** A worker not heard from for this long is out of the catalogue (default 30 s; tests shorten it). */
  catalogueTtlMs?: number | undefined;
  /** No API key needed; binds to 127.0.0.1 only. */
  insecure?: boolean | undefined;
  limits?: Partial<EnqueueLimitSettings>;
  sse?: Partial<SseSettings> | undefined;
  maxBodyBytes?: number | undefined;
  maxRunBodyBytes?: number | undefined;
  viewerTokenTtlSeconds?: number;
  /** Cross-origin access; RUNSTREAM_CORS_ORIGINS / RUNSTREAM_CORS_KEY_ORIGINS when undefined. */
  cors?: CorsSettings | undefined;
}

// Limits are API-only settings, so they are read here rather than in the shared config.
const limitsEnvSchema = z.object({
  RUNSTREAM_RATE_LIMIT: z.coerce
    .number({ message: 'RUNSTREAM_RATE_LIMIT must be a whole number of runs per minute' })
    .int('RUNSTREAM_RATE_LIMIT must be a whole number of runs per minute')
    .positive('RUNSTREAM_RATE_LIMIT must be a whole number of runs per minute')
    .optional(),
  RUNSTREAM_MAX_CONCURRENT_RUNS: z.coerce
    .number({ message: 'RUNSTREAM_MAX_CONCURRENT_RUNS must be a whole number' })
    .int('RUNSTREAM_MAX_CONCURRENT_RUNS must be a whole number')
    .positive('RUNSTREAM_MAX_CONCURRENT_RUNS must be a whole number')
    .optional(),
});

const tokenTtlSchema = z.coerce
  .number({ message: 'RUNSTREAM_VIEWER_TOKEN_TTL_SECONDS must be a whole number of seconds' })
  .int('RUNSTREAM_VIEWER_TOKEN_TTL_SECONDS must be a whole number of seconds')
  .min(10, 'RUNSTREAM_VIEWER_TOKEN_TTL_SECONDS must be at least 10 seconds')
  .max(7 * 24 * 3600, 'RUNSTREAM_VIEWER_TOKEN_TTL_SECONDS must be at most a week');

/** How long viewer tokens live (15 minutes unless RUNSTREAM_VIEWER_TOKEN_TTL_SECONDS says otherwise). */
function tokenTtlFromEnv(source: NodeJS.ProcessEnv): number | undefined {
  if (!source.RUNSTREAM_VIEWER_TOKEN_TTL_SECONDS) return undefined;
  const parsed = tokenTtlSchema.safeParse(source.RUNSTREAM_VIEWER_TOKEN_TTL_SECONDS);
  if (!parsed.success) throw new ConfigError(parsed.error.issues[0]?.message ?? 'RUNSTREAM_VIEWER_TOKEN_TTL_SECONDS is invalid');
  return parsed.data;
}

function limitsFromEnv(source: NodeJS.ProcessEnv): Partial<EnqueueLimitSettings> {
  const present = Object.fromEntries(Object.entries(source).filter(([name, value]) => name in limitsEnvSchema.shape && value));
  const parsed = limitsEnvSchema.safeParse(present);
  if (!parsed.success) throw new ConfigError(parsed.error.issues[0]?.message ?? 'invalid limit');
  return {
    ...(parsed.data.RUNSTREAM_RATE_LIMIT ? { ratePerWindow: parsed.data.RUNSTREAM_RATE_LIMIT, windowSeconds: 60 } : {}),
    ...(parsed.data.RUNSTREAM_MAX_CONCURRENT_RUNS ? { maxConcurrentRuns: parsed.data.RUNSTREAM_MAX_CONCURRENT_RUNS } : {}),
  };
}

/**
 * The viewer-token secret: RUNSTREAM_TOKEN_SECRET when set, else derived from
 * the API keys, so every API process with the same keys accepts the same tokens.
 */
export function tokenSecret(env: NodeJS.ProcessEnv, keys: string[]): string {
  if (env.RUNSTREAM_TOKEN_SECRET) return env.RUNSTREAM_TOKEN_SECRET;
  if (keys.length === 0) return randomBytes(32).toString('hex');
  return createHash('sha256').update(`runstream-viewer-tokens\0${[...keys].sort().join('\0')}`).digest('hex');
}

/** Asked of Temporal at most every 5 s, however many scrapers; the last answer stands while Temporal is away. */
function activeRuns(client: Awaited<ReturnType<typeof connectTemporalClient>>, taskQueue: string): () => Promise<number> {
  let value = 0;
  let askedAt = 0;
  const query = `WorkflowType = 'agentRun' AND TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`;
  return async () => {
    if (Date.now() - askedAt < 5_000) return value;
    askedAt = Date.now();
    value = await client.workflow
      .count(query)
      .then((answer) => answer.count)
      .catch(() => value);
    return value;
  };
}

export async function startApiProcess(
  env: Env & { TEMPORAL_ADDRESS: string; REDIS_URL: string },
  options: ApiProcessOptions = {},
): Promise<ApiProcess> {
  const keys = parseApiKeys(env.RUNSTREAM_API_KEYS);
  if (keys.length === 0 && !options.insecure) {
    throw new ConfigError('RUNSTREAM_API_KEYS: set at least one API key (comma separated), or pass --insecure for a local, keyless API');
  }
  const cors = options.cors ?? corsFromEnv(process.env);
  const host = options.insecure ? '127.0.0.1' : (options.host ?? '127.0.0.1');
  if (options.insecure && options.host && options.host !== '127.0.0.1') {
    throw new ConfigError('--insecure binds to 127.0.0.1 only; drop --host or drop --insecure');
  }
  const payloadCodec = payloadCodecFor(env.RUNSTREAM_PAYLOAD_KEY);
  const client = await connectTemporalClient({
    address: env.TEMPORAL_ADDRESS,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.RUNSTREAM_TASK_QUEUE,
    payloadCodec,
    ...temporalConnectionFromEnv(env),
  });
  const blobs = openBlobStore(env);
  const commands = connectRedis(env.REDIS_URL, 'commands', env.REDIS_CLUSTER_NODES);
  const subscriber = connectRedis(env.REDIS_URL, 'subscriber', env.REDIS_CLUSTER_NODES);
  // Commands fail fast rather than queue while disconnected: do not take requests before the first connection.
  if (commands.status !== 'ready') await once(commands, 'ready');
  const live = new LiveSubscriptions(subscriber);
  const streamStats: StreamStats = { open: 0, cutOff: 0, streams: new Set() };
  const catalogue = new CatalogueReader(commands, {
    keyPrefix: env.RUNSTREAM_KEY_PREFIX,
    taskQueue: env.RUNSTREAM_TASK_QUEUE,
    ...(options.catalogueTtlMs === undefined ? {} : { ttlMs: options.catalogueTtlMs }),
  });
  const webhookHosts = parseWebhookHosts(env.RUNSTREAM_WEBHOOK_HOSTS);
  const transcripts = new TranscriptStore(blobs);
  const runs = new RunService({ client, taskQueue: env.RUNSTREAM_TASK_QUEUE, defaultModel: defaultModelName(env), catalogue, transcripts, webhookHosts,
    announceCancel: (runId) => announceCancel(commands, env.RUNSTREAM_KEY_PREFIX, runId),
  });
  const threads = new ThreadService({
    client,
    taskQueue: env.RUNSTREAM_TASK_QUEUE,
    defaultModel: defaultModelName(env),
    catalogue,
    runs,
    idleDays: env.RUNSTREAM_THREAD_IDLE_DAYS,
    webhookHosts,
    transcripts,
  });
  const app = createApiApp({
    runs,
    threads,
    catalogue,
    log: new RunLog(commands, { keyPrefix: env.RUNSTREAM_KEY_PREFIX }),
    live,
    streamStats,
    apiKeys: new ApiKeys(keys),
    viewerTokens: new ViewerTokens(tokenSecret(process.env, keys), options.viewerTokenTtlSeconds ?? tokenTtlFromEnv(process.env)),
    limits: new EnqueueLimits(commands, env.RUNSTREAM_KEY_PREFIX, { ...defaultEnqueueLimits, ...limitsFromEnv(process.env), ...options.limits }),
    insecure: options.insecure,
    sse: options.sse,
    maxBodyBytes: options.maxBodyBytes,
    maxRunBodyBytes: options.maxRunBodyBytes,
    cors,
    payloadCodec,
  });
  observedGauge('runstream_runs_active', "Runs of this task queue that are running (Temporal's count, asked when scraped)", activeRuns(client, env.RUNSTREAM_TASK_QUEUE));
  const server: ServerType = await new Promise((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: host, port: options.port ?? env.RUNSTREAM_PORT }, () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;
  const closeConnections = async () => {
    commands.disconnect();
    subscriber.disconnect();
    await client.connection.close();
    await blobs.close();
  };
  return {
    url: `http://${host}:${port}`,
    liveStats: () => ({ channels: live.channelCount, listeners: live.listenerCount, connections: live.connectionCount, openStreams: streamStats.open, cutOff: streamStats.cutOff }),
    close: async () => {
      await new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      });
      await closeConnections();
    },
    shutdown: async (shutdownOptions = {}) => {
      // No new connections; requests under way finish; every event stream ends with a retry hint.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const stream of [...(streamStats.streams ?? [])]) stream.handOver(shutdownOptions.retryMs ?? 500);
      const sweep = setInterval(() => 'closeIdleConnections' in server && server.closeIdleConnections(), 100);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, shutdownOptions.graceMs ?? 10_000)))]);
      clearInterval(sweep);
      clearTimeout(timer);
      if ('closeAllConnections' in server) server.closeAllConnections();
      await closeConnections();
    },
  };
}
