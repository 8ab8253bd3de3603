import type { Context as ActivityContext } from '@temporalio/activity';
import type { LogLevel, LogMetadata } from '@temporalio/common';
import type { ActivityInterceptors } from '@temporalio/worker';
import { LevelLogger } from './level-logger.js';
import type { Logger } from 'pino';

const methods = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/**
 * The Temporal runtime's logger (SDK core, workflow and activity loggers) as
 * pino lines. A workflow's or activity's lines carry `runId` (run ids are
 * workflow ids) besides Temporal's own fields.
 */
export class PinoTemporalLogger extends LevelLogger {
  constructor(private readonly pino: Logger) {
    super();
  }

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    const { workflowId, runId, error, ...rest } = meta as LogMetadata & { workflowId?: unknown; runId?: unknown; error?: unknown };
    const fields: Record<string, unknown> = { ...rest, component: 'temporal' };
    // Temporal's own run id (one execution of the workflow) is not runstream's run id (the workflow id).
    if (runId !== undefined) fields.temporalRunId = runId;
    if (typeof workflowId === 'string') fields.runId = workflowId;
    if (error !== undefined) fields.err = error;
    this.pino[methods[level] ?? 'info'](fields, message);
  }
}

/** An activity's log lines carry the step it works on (its input's `step`), besides the run. */
export function activityLogContext(_context: ActivityContext): ActivityInterceptors {
  let step: number | undefined;
  return {
    inbound: {
      execute(input, next) {
        const first = input.args[0] as { step?: unknown } | undefined;
        if (typeof first?.step === 'number') step = first.step;
        return next(input);
      },
    },
    outbound: {
      getLogAttributes(input, next) {
        return next(step === undefined ? input : { ...input, step });
      },
    },
  };
}
