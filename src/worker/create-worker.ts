import { DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import type { ActivityDependencies } from '../../activities/dependencies.js';
import { workflowsPath, type TemporalSettings } from '../temporal.js';
import { defaultWorkerTuning, type WorkerTuning } from './worker-tuning.js';

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
}

let runtimeInstalled = false;
/** The SDK's runtime logs once per process; keep it to warnings so the CLI stays readable. */
function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger((process.env.RUNSTREAM_LOG_LEVEL as LogLevel | undefined) ?? 'WARN') });
  } catch {
    // Already installed by the embedding application: keep its logger.
  }
}

export async function createRunstreamWorker(options: RunstreamWorkerOptions): Promise<Worker> {
  installQuietRuntime();
  const connection = await NativeConnection.connect({ address: options.temporal.address });
  const { temporal, workflowBundle, stickyQueueScheduleToStartTimeout, shutdownGraceTime, identity, maxHeartbeatThrottleInterval, tuning, ...deps } =
    options;
  return Worker.create({
    connection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath }),
    activities: createActivities(deps),
    ...(stickyQueueScheduleToStartTimeout === undefined ? {} : { stickyQueueScheduleToStartTimeout }),
    shutdownGraceTime: shutdownGraceTime ?? '5 seconds',
    maxHeartbeatThrottleInterval: maxHeartbeatThrottleInterval ?? '500 milliseconds',
    ...defaultWorkerTuning,
    ...tuning,
    ...(identity ? { identity } : {}),
  });
}
