import { z } from 'zod';
import { ConfigError } from '../config.js';

/**
 * The worker's concurrency, set explicitly: the SDK's defaults (100 activities,
 * 40 workflow tasks) are not production settings, and a model step holds its
 * activity slot for its whole stream while mostly waiting on the network. So a
 * worker with the SDK's 100 slots streams at most 100 runs at once; others
 * wait in the task queue however idle the process is.
 */
export interface WorkerTuning {
  /** Activities (model steps, tool calls, publishes) running at once; each streaming step holds one. */
  maxConcurrentActivityTaskExecutions: number;
  /** Workflow tasks (short CPU bursts of the agent loop) running at once. */
  maxConcurrentWorkflowTaskExecutions: number;
  /** Workflows kept in memory between their tasks (sticky cache), so a task does not replay the history. */
  maxCachedWorkflows: number;
  /** Long polls for activity tasks held open at once. */
  maxConcurrentActivityTaskPolls: number;
  /** Long polls for workflow tasks held open at once. */
  maxConcurrentWorkflowTaskPolls: number;
}

export const defaultWorkerTuning: WorkerTuning = {
  maxConcurrentActivityTaskExecutions: 2_000,
  maxConcurrentWorkflowTaskExecutions: 100,
  maxCachedWorkflows: 2_000,
  maxConcurrentActivityTaskPolls: 10,
  maxConcurrentWorkflowTaskPolls: 10,
};

const count = (name: string) =>
  z.coerce.number({ message: `${name} must be a whole number` }).int(`${name} must be a whole number`).positive(`${name} must be positive`).optional();

const tuningEnvSchema = z.object({
  RUNSTREAM_WORKER_MAX_ACTIVITIES: count('RUNSTREAM_WORKER_MAX_ACTIVITIES'),
  RUNSTREAM_WORKER_MAX_WORKFLOW_TASKS: count('RUNSTREAM_WORKER_MAX_WORKFLOW_TASKS'),
  RUNSTREAM_WORKER_CACHED_WORKFLOWS: count('RUNSTREAM_WORKER_CACHED_WORKFLOWS'),
  RUNSTREAM_WORKER_ACTIVITY_POLLS: count('RUNSTREAM_WORKER_ACTIVITY_POLLS'),
  RUNSTREAM_WORKER_WORKFLOW_POLLS: count('RUNSTREAM_WORKER_WORKFLOW_POLLS'),
});

/** The defaults, overridden by `RUNSTREAM_WORKER_*` variables; a bad value fails with one line naming it. */
export function workerTuningFromEnv(source: NodeJS.ProcessEnv = process.env): WorkerTuning {
  const present = Object.fromEntries(Object.entries(source).filter(([name, value]) => name in tuningEnvSchema.shape && value));
  const parsed = tuningEnvSchema.safeParse(present);
  if (!parsed.success) throw new ConfigError(parsed.error.issues[0]?.message ?? 'invalid worker setting');
  const env = parsed.data;
  const tuning = {
    maxConcurrentActivityTaskExecutions: env.RUNSTREAM_WORKER_MAX_ACTIVITIES ?? defaultWorkerTuning.maxConcurrentActivityTaskExecutions,
    maxConcurrentWorkflowTaskExecutions: env.RUNSTREAM_WORKER_MAX_WORKFLOW_TASKS ?? defaultWorkerTuning.maxConcurrentWorkflowTaskExecutions,
    maxCachedWorkflows: env.RUNSTREAM_WORKER_CACHED_WORKFLOWS ?? defaultWorkerTuning.maxCachedWorkflows,
    maxConcurrentActivityTaskPolls: env.RUNSTREAM_WORKER_ACTIVITY_POLLS ?? defaultWorkerTuning.maxConcurrentActivityTaskPolls,
    maxConcurrentWorkflowTaskPolls: env.RUNSTREAM_WORKER_WORKFLOW_POLLS ?? defaultWorkerTuning.maxConcurrentWorkflowTaskPolls,
  };
  // The SDK refuses more pollers than slots, and fewer than 2 workflow-task slots with a cache.
  tuning.maxConcurrentActivityTaskPolls = Math.min(tuning.maxConcurrentActivityTaskPolls, tuning.maxConcurrentActivityTaskExecutions);
  tuning.maxConcurrentWorkflowTaskExecutions = Math.max(2, tuning.maxConcurrentWorkflowTaskExecutions);
  tuning.maxConcurrentWorkflowTaskPolls = Math.max(2, Math.min(tuning.maxConcurrentWorkflowTaskPolls, tuning.maxConcurrentWorkflowTaskExecutions));
  return tuning;
}
