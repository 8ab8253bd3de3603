import { NativeConnection, Runtime, Worker, type LogLevel, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import type { ActivityDependencies } from '../../activities/dependencies.js';
import { activityMetricsInterceptor } from '../observability/activity-metrics.js';
import { logger } from '../observability/logger.js';
import { activityLogContext, PinoTemporalLogger } from '../observability/temporal-logging.js';
import { temporalMetricsBindAddress, temporalMetricsUnavailable } from '../observability/temporal-metrics.js';
import { WorkflowTaskFailureLogger } from '../stalls/workflow-task-failures.js';
import { connectionOptionsFor, dataConverterFor, workflowsPath, type TemporalSettings } from '../temporal.js';
import { defaultWorkerTuning, type WorkerTuning } from './worker-tuning.js';
import { tracing, workflowTracingModule } from '../observability/tracing.js';

export interface RunstreamWorkerOptions extends ActivityDependencies {
  temporal: TemporalSettings;
  /** A prebuilt bundle (tests build it once); bundles `workflows/` when omitted. */
  workflowBundle?: { code: string };
  /** Low values let a crashed worker's workflow tasks move on quickly (crash tests). */
  stickyQueueScheduleToStartTimeout?: WorkerOptions['stickyQueueScheduleToStartTimeout'];
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  identity?: string;
  /**
   * Longest wait between two heartbeats reaching the server. Activities learn
   * of a cancel only from a heartbeat's answer, so this bounds how long a
   * cancelled stream or tool keeps going (default 500 ms).
   */
  maxHeartbeatThrottleInterval?: WorkerOptions['maxHeartbeatThrottleInterval'];
  /** Concurrency settings (worker-tuning.ts); the defaults there, not the SDK's. */
  tuning?: Partial<WorkerTuning>;
  /**
   * Serve the Temporal runtime's own metrics for this process's `/metrics`.
   * Takes effect only for the first worker of a process (the runtime is
   * installed once).
   */
  temporalMetrics?: boolean;
}

let runtimeInstalled = false;
/**
 * The SDK's runtime, once per process: its logs (SDK core, workflow and
 * activity loggers) into this process's pino logger, kept to warnings unless
 * RUNSTREAM_LOG_LEVEL says otherwise, and its Prometheus exporter on a
 * loopback port when asked. Core's warnings are forwarded to it so that workflow-task failures, logged
 * by core once per attempt, reach the stall watch instead of flooding the log
 * (stalls/workflow-task-failures.ts).
 */
async function installRuntime(temporalMetrics: boolean): Promise<void> {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const metrics = temporalMetrics ? { metrics: { prometheus: { bindAddress: await temporalMetricsBindAddress() } } } : undefined;
  try {
    const level = (process.env.RUNSTREAM_LOG_LEVEL?.toUpperCase() as LogLevel | undefined) ?? 'WARN';
    const core: LogLevel = level === 'TRACE' || level === 'DEBUG' || level === 'INFO' ? level : 'WARN';
    const logging = { filter: { core, other: 'ERROR' as const }, forward: {} };
    Runtime.install({
      logger: new WorkflowTaskFailureLogger(new PinoTemporalLogger(process.env.RUNSTREAM_LOG_LEVEL ? logger() : logger().child({}, { level: 'warn' }))),
      telemetryOptions: { logging, ...metrics },
    });
  } catch {
    // Already installed by the embedding application: keep its logger, and its metrics (if any) are its own.
    temporalMetricsUnavailable();
  }
}

export async function createRunstreamWorker(options: RunstreamWorkerOptions): Promise<Worker> {
  await installRuntime(options.temporalMetrics ?? false);
  const connection = await NativeConnection.connect(connectionOptionsFor(options.temporal));
  const { temporal, workflowBundle, stickyQueueScheduleToStartTimeout, shutdownGraceTime, identity, maxHeartbeatThrottleInterval, tuning, temporalMetrics: _temporalMetrics, ...deps } =
    options;
  const traced = tracing();
  return Worker.create({
    connection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    // Payloads are encrypted outside the workflow sandbox: workflow code is the same with or without a key.
    ...dataConverterFor(temporal),
    ...(workflowBundle ? { workflowBundle } : { workflowsPath }),
    activities: createActivities(deps),
    // With tracing on: activity spans under their workflow's, workflow spans through the exporter sink; a prebuilt
    // bundle must have been built with workflowTracingModule among its interceptor modules.
    interceptors: {
      activity: [activityMetricsInterceptor, activityLogContext, ...(traced?.activityInterceptors ?? [])],
      ...(traced && !workflowBundle ? { workflowModules: [workflowTracingModule] } : {}),
    },
    ...(traced ? { sinks: traced.sinks } : {}),
    ...(stickyQueueScheduleToStartTimeout === undefined ? {} : { stickyQueueScheduleToStartTimeout }),
    shutdownGraceTime: shutdownGraceTime ?? '5 seconds',
    maxHeartbeatThrottleInterval: maxHeartbeatThrottleInterval ?? '500 milliseconds',
    ...defaultWorkerTuning,
    ...tuning,
    ...(identity ? { identity } : {}),
  });
}
