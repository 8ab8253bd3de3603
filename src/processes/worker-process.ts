import type { Worker } from '@temporalio/worker';
import { openBlobStore } from '../blobs/open-blob-store.js';
import { TranscriptStore } from '../blobs/transcript-store.js';
import { RunLog } from '../bus/run-log.js';
import { CancelNotices } from '../bus/cancel-notices.js';
import { CataloguePublisher, type CatalogueTiming } from '../catalogue/catalogue-publisher.js';
import { followChanges, workerCatalogue } from '../catalogue/worker-catalogue.js';
import type { Env } from '../config.js';
import { McpConnection, type McpConnectionOptions } from '../mcp/mcp-connection.js';
import { createModelResolver } from '../models.js';
import { connectRedis } from '../redis.js';
import { StallWatch } from '../stalls/stall-watch.js';
import { payloadCodecFor } from '../codec/payload-encryption.js';
import { connectTemporalClient, temporalConnectionFromEnv } from '../temporal.js';
import type { Tool } from '../tools/tool.js';
import { ToolRegistry } from '../tools/tool-registry.js';
import type { ValidatedConfig } from '../worker/config-schema.js';
import { createRunstreamWorker, type RunstreamWorkerOptions } from '../worker/create-worker.js';
import { workerTuningFromEnv } from '../worker/worker-tuning.js';
import { lazyDemoServer } from './demo-model.js';
import { serveMetrics, type MetricsServer } from '../observability/metrics-endpoint.js';
import { logger } from '../observability/logger.js';
import { parseWebhookHosts } from '../webhooks/webhook-hosts.js';
import { parseWebhookSecret } from '../webhooks/webhook-secret.js';

export interface WorkerProcess {
  worker: Worker;
  /** The tools this worker serves (built-in, config, and MCP servers' once they connect). */
  tools: ToolRegistry;
  /** This worker's MCP servers, with their state. */
  mcp: McpConnection[];
  /** Its id in the task queue's catalogue. */
  catalogueId: string;
  /** `GET /metrics` of this process, when a metrics port was given. */
  metricsUrl: string | undefined;
  /** Runs until the worker shuts down (SIGTERM, SIGINT or `shutdown()`); closes its connections after. */
  run(): Promise<void>;
  /**
   * Graceful shutdown: stops polling, hands running model steps over to other
   * workers (checkpoint, then stop), gives tool calls `shutdownGraceTime`.
   */
  shutdown(): void;
}

export interface WorkerProcessOptions {
  /** What a `runstream.config.ts` gives: tools beyond the built-in ones, agents, MCP servers. */
  config?: Partial<ValidatedConfig> | undefined;
  /** Tools beyond the built-in ones (the same as `config.tools`, kept for embedding code and tests). */
  tools?: Tool[] | undefined;
  /** How often the catalogue is refreshed and how long it outlives a dead worker (tests shorten both). */
  catalogue?: Partial<CatalogueTiming> | undefined;
  /** MCP reconnect backoff and request timeout (tests shorten them). */
  mcp?: Pick<McpConnectionOptions, 'initialDelayMs' | 'maxDelayMs' | 'requestTimeoutMs'> | undefined;
  /** Serve `GET /metrics` (runstream's and the Temporal runtime's) on this port (0: a free one); default RUNSTREAM_METRICS_PORT, else none. */
  metricsPort?: number | undefined;
  /** Where MCP state changes and stalled runs are reported (default stderr). */
  log?: ((line: string) => void) | undefined;
  /** How often runs whose workflow tasks fail are looked at (default 5 s; tests shorten it). */
  stallCheckIntervalMs?: number | undefined;
  /** Worker tuning passed through (tests: a prebuilt bundle, short sticky timeouts). */
  worker?: Pick<
    RunstreamWorkerOptions,
    | 'workflowBundle'
    | 'stickyQueueScheduleToStartTimeout'
    | 'shutdownGraceTime'
    | 'identity'
    | 'publishFlushTimeoutMs'
    | 'timeouts'
    | 'checkpoint'
    | 'maxHeartbeatThrottleInterval'
    | 'tuning'
    | 'temporalMetrics'
  >;
}

/**
 * A worker serving the built-in tools plus the config's, and its MCP
 * servers' once they answer (a server that is down is retried in the
 * background, not fatal). What it serves is published in the task queue's
 * catalogue in Redis before it polls, refreshed while it lives and withdrawn
 * when it stops, so every API process validates runs against it.
 */
export async function startWorkerProcess(
  env: Env & { TEMPORAL_ADDRESS: string; REDIS_URL: string },
  options: WorkerProcessOptions = {},
): Promise<WorkerProcess> {
  const tuning = workerTuningFromEnv(process.env);
  const redis = connectRedis(env.REDIS_URL, 'commands', env.REDIS_CLUSTER_NODES);
  const blobs = openBlobStore(env);
  const demo = lazyDemoServer(env.RUNSTREAM_DEMO_URL);
  const mcpLogger = logger().child({ component: 'mcp' });
  const log = options.log ?? ((line: string) => mcpLogger.info(line));
  const runLog = new RunLog(redis, { keyPrefix: env.RUNSTREAM_KEY_PREFIX });
  const cancelNotices = new CancelNotices(connectRedis(env.REDIS_URL, 'subscriber', env.REDIS_CLUSTER_NODES), env.RUNSTREAM_KEY_PREFIX);
  const tools = ToolRegistry.withBuiltins([...(options.config?.tools ?? []), ...(options.tools ?? [])]);
  const agents = options.config?.agents ?? [];
  const publisher = new CataloguePublisher(redis, {
    keyPrefix: env.RUNSTREAM_KEY_PREFIX,
    taskQueue: env.RUNSTREAM_TASK_QUEUE,
    ...(options.catalogue ? { timing: options.catalogue } : {}),
  });
  let live = false;
  const changes = followChanges(publisher, () => workerCatalogue(tools, agents, mcp));
  const onChange = () => {
    if (live) changes.changed();
  };
  const mcp = (options.config?.mcpServers ?? []).map(
    (server) => new McpConnection(server, { registry: tools, log, onStatus: onChange, ...options.mcp }),
  );
  tools.onChange(onChange);
  const closeMcp = () => Promise.all(mcp.map((connection) => connection.close()));

  let worker: Worker;
  const handover = new AbortController();
  const temporal = {
    address: env.TEMPORAL_ADDRESS,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.RUNSTREAM_TASK_QUEUE,
    payloadCodec: payloadCodecFor(env.RUNSTREAM_PAYLOAD_KEY),
    ...temporalConnectionFromEnv(env),
  };
  let metrics: MetricsServer | undefined;
  const metricsPort = options.metricsPort ?? env.RUNSTREAM_METRICS_PORT;
  let stalls: StallWatch | undefined;
  try {
    // One attempt per MCP server before the catalogue is published, so a healthy server's tools are there
    // from the first run; made while the workflow bundle builds (a worker does not poll before run()).
    [, worker] = await Promise.all([
      Promise.all(mcp.map((connection) => connection.start())),
      createRunstreamWorker({
        temporal,
        log: runLog,
        resolveModel: createModelResolver({ env, demoBaseURL: demo.baseURL }),
        tools,
        transcripts: new TranscriptStore(blobs),
        handover: handover.signal,
        cancelNotices,
        webhooks: {
          key: env.RUNSTREAM_WEBHOOK_SECRET === undefined ? undefined : parseWebhookSecret(env.RUNSTREAM_WEBHOOK_SECRET),
          hosts: parseWebhookHosts(env.RUNSTREAM_WEBHOOK_HOSTS),
        },
        ...options.worker,
        tuning: { ...tuning, ...options.worker?.tuning },
        temporalMetrics: options.worker?.temporalMetrics ?? metricsPort !== undefined,
      }),
    ]);
    if (metricsPort !== undefined) metrics = await serveMetrics({ port: metricsPort });
    await publisher.publish(workerCatalogue(tools, agents, mcp));
    stalls = new StallWatch({
      client: await connectTemporalClient(temporal),
      taskQueue: env.RUNSTREAM_TASK_QUEUE,
      log: runLog,
      write: log,
      ...(options.stallCheckIntervalMs === undefined ? {} : { checkIntervalMs: options.stallCheckIntervalMs }),
    });
    stalls.start();
    live = true;
  } catch (error) {
    await metrics?.close();
    await stalls?.stop();
    await stalls?.closeConnection();
    await closeMcp();
    await demo.close();
    redis.disconnect();
    cancelNotices.close();
    await blobs.close();
    throw error;
  }
  function shutdown(): void {
    handover.abort();
    if (worker.getState() === 'RUNNING') worker.shutdown();
  }
  return {
    worker,
    tools,
    mcp,
    catalogueId: publisher.workerId,
    metricsUrl: metrics?.url,
    shutdown,
    run: async () => {
      // The SDK's runtime also shuts workers down on these signals; this adds the model steps' handover.
      process.on('SIGTERM', shutdown);
      process.on('SIGINT', shutdown);
      try {
        await worker.run();
      } finally {
        process.off('SIGTERM', shutdown);
        process.off('SIGINT', shutdown);
        live = false;
        await stalls?.stop();
        await stalls?.closeConnection();
        await publisher.stop();
        await metrics?.close();
        await closeMcp();
        await demo.close();
        redis.disconnect();
        cancelNotices.close();
        await blobs.close();
      }
    },
  };
}
