import { ApplicationFailure } from '@temporalio/workflow';
import type { Budget, BudgetLimit } from '../src/protocol/event-parts.js';
import type { Usage } from '../src/protocol/messages.js';

/** The run-level failure type of a run that reached a limit of its `budget` (API.md `run.failed`). */
export const budgetExceededErrorType = 'BudgetExceededError';

/** What a run, with the runs it carries on (resume), has used of its budget. */
export interface BudgetSpent {
  /** Every token paid for, retried attempts' included. */
  totalTokens: number;
  outputTokens: number;
  toolCalls: number;
  durationMs: number;
}

export const noBudgetSpent = (): BudgetSpent => ({ totalTokens: 0, outputTokens: 0, toolCalls: 0, durationMs: 0 });

/** Tokens of a usage as the budget counts them: with what failed attempts consumed (`usage.retried`). */
export const budgetTokens = (usage: Usage) => ({
  totalTokens: usage.totalTokens + (usage.retried?.totalTokens ?? 0),
  outputTokens: usage.outputTokens + (usage.retried?.outputTokens ?? 0),
});

const units: Record<BudgetLimit, string> = {
  maxTotalTokens: 'tokens',
  maxOutputTokens: 'output tokens',
  maxToolCalls: 'tool calls',
  maxDurationMs: 'ms',
};

export interface BudgetExceeded {
  limit: BudgetLimit;
  used: number;
  max: number;
}

/** A non-retryable failure naming the limit: the run ends `failed`, its transcript kept, and resume can go on with more. */
export function budgetExceeded({ limit, used, max }: BudgetExceeded): ApplicationFailure {
  return ApplicationFailure.create({
    type: budgetExceededErrorType,
    message: `the run reached its budget's ${limit}: ${used} of ${max} ${units[limit]} used; resume it with a larger budget to go on`,
    nonRetryable: true,
    details: [{ limit, used, max }],
  });
}

/**
 * Before a model step: a limit with nothing left ends the run here. A step
 * already running is not stopped by these (only `maxOutputTokens` stops a
 * step, inside the model step), so a run may end a step above
 * `maxTotalTokens`, never start one.
 */
export function exceededBeforeStep(budget: Budget | undefined, spent: BudgetSpent): BudgetExceeded | undefined {
  if (!budget) return undefined;
  if (budget.maxTotalTokens !== undefined && spent.totalTokens >= budget.maxTotalTokens) {
    return { limit: 'maxTotalTokens', used: spent.totalTokens, max: budget.maxTotalTokens };
  }
  if (budget.maxOutputTokens !== undefined && spent.outputTokens >= budget.maxOutputTokens) {
    return { limit: 'maxOutputTokens', used: spent.outputTokens, max: budget.maxOutputTokens };
  }
  return exceededDuration(budget, spent);
}

/** Before a step's tool calls run: all of them must fit, or none runs (`used` is what running them would make it). */
export function exceededByToolCalls(budget: Budget | undefined, spent: BudgetSpent, calls: number): BudgetExceeded | undefined {
  if (!budget) return undefined;
  if (budget.maxToolCalls !== undefined && spent.toolCalls + calls > budget.maxToolCalls) {
    return { limit: 'maxToolCalls', used: spent.toolCalls + calls, max: budget.maxToolCalls };
  }
  return exceededDuration(budget, spent);
}

function exceededDuration(budget: Budget, spent: BudgetSpent): BudgetExceeded | undefined {
  if (budget.maxDurationMs !== undefined && spent.durationMs >= budget.maxDurationMs) {
    return { limit: 'maxDurationMs', used: spent.durationMs, max: budget.maxDurationMs };
  }
  return undefined;
}

/** The output tokens a step may produce before the stream is stopped; undefined without that limit. */
export const outputTokenAllowance = (budget: Budget | undefined, spent: BudgetSpent): number | undefined =>
  budget?.maxOutputTokens === undefined ? undefined : Math.max(0, budget.maxOutputTokens - spent.outputTokens);

const budgetLimitNames: readonly string[] = ['maxTotalTokens', 'maxOutputTokens', 'maxToolCalls', 'maxDurationMs'];

/** The `limit`, `used` and `max` of a BudgetExceededError's details (read back from history or a client; zod stays out of workflows). */
export function budgetErrorFields(type: string | undefined, details: unknown): BudgetExceeded | undefined {
  if (type !== budgetExceededErrorType || typeof details !== 'object' || details === null) return undefined;
  const { limit, used, max } = details as Record<string, unknown>;
  if (typeof limit !== 'string' || !budgetLimitNames.includes(limit) || typeof used !== 'number' || typeof max !== 'number') return undefined;
  return { limit: limit as BudgetLimit, used, max };
}
