import type { Context as ActivityContext } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptors } from '@temporalio/worker';
import type { ModelStepInput } from '../../activities/model-step.js';
import type { PublishRunEventInput } from '../../activities/publish-run-event.js';
import type { ToolCallInput } from '../../activities/tool-call.js';
import { parseModelName } from '../models.js';
import { boundedLabel, modelStepDuration, providerErrors, runOutcomes, runsTotal, toolDuration, type RunOutcome } from './metrics.js';

const providerErrorPrefix = 'ProviderError.';

/** How an attempt ended, as a label: ok, cancelled, or the failure's type (bounded: our own failure types). */
function outcomeOf(error: unknown): string {
  if (error === undefined) return 'ok';
  if (error instanceof CancelledFailure) return 'cancelled';
  if (error instanceof ApplicationFailure && error.type) {
    return error.type.startsWith(providerErrorPrefix) ? 'provider_error' : boundedLabel('failure', error.type);
  }
  return 'error';
}

const providerOf = (model: string): string => {
  const parsed = parseModelName(model);
  return parsed.ok ? parsed.value.provider : 'unknown';
};

/**
 * Step, tool and run-lifecycle metrics taken around the activities (the
 * activities themselves only mark the first token), so every attempt is
 * measured the same way whatever ends it.
 */
export function activityMetricsInterceptor(context: ActivityContext): ActivityInterceptors {
  const type = context.info.activityType;
  return {
    inbound: {
      async execute(input, next) {
        const started = performance.now();
        let error: unknown;
        try {
          return await next(input);
        } catch (thrown) {
          error = thrown;
          throw thrown;
        } finally {
          const elapsed = (performance.now() - started) / 1000;
          record(type, input.args[0], elapsed, error, context.info.attempt);
        }
      },
    },
  };
}

function record(type: string, arg: unknown, elapsed: number, error: unknown, attempt: number): void {
  switch (type) {
    case 'modelStep': {
      const { model, runStarted } = arg as ModelStepInput;
      // The run's first step publishes run.started: its first attempt counts the run once, whatever ends it.
      if (runStarted && attempt === 1) runsTotal.inc({ outcome: 'started', model: boundedLabel('model', runStarted.event.model) });
      modelStepDuration.observe({ model: boundedLabel('model', model), outcome: outcomeOf(error) }, elapsed);
      if (error instanceof ApplicationFailure && error.type?.startsWith(providerErrorPrefix)) {
        providerErrors.inc({ provider: providerOf(model), kind: error.type.slice(providerErrorPrefix.length) });
      }
      return;
    }
    case 'toolCall': {
      const { call } = arg as ToolCallInput;
      toolDuration.observe({ tool: boundedLabel('tool', call.name), outcome: outcomeOf(error) }, elapsed);
      return;
    }
    case 'publishRunEvent': {
      if (error !== undefined) return;
      const { event, model, startCounted } = arg as PublishRunEventInput;
      if (event.type === 'run.started' && startCounted) return;
      const outcome = event.type.startsWith('run.') ? event.type.slice('run.'.length) : '';
      if (!(runOutcomes as readonly string[]).includes(outcome)) return;
      const name = event.type === 'run.started' ? event.model : model;
      runsTotal.inc({ outcome: outcome as RunOutcome, model: boundedLabel('model', name ?? 'unknown') });
      return;
    }
    default:
      return;
  }
}
