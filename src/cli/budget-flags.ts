import { runBudgetSchema, type RunBudgetRequest } from '../runs/run-request.js';
import { CliError } from './cli-error.js';

/** `runstream run` and `runstream resume` flags for a run's budget, as `parseArgs` options. */
export const budgetOptions = {
  'budget-max-total-tokens': { type: 'string' },
  'budget-max-output-tokens': { type: 'string' },
  'budget-max-tool-calls': { type: 'string' },
  'budget-max-duration-ms': { type: 'string' },
} as const;

/** The flag of each budget field (and of the limit a BudgetExceededError names). */
export const budgetFlagOf: Record<keyof RunBudgetRequest, keyof typeof budgetOptions> = {
  maxTotalTokens: 'budget-max-total-tokens',
  maxOutputTokens: 'budget-max-output-tokens',
  maxToolCalls: 'budget-max-tool-calls',
  maxDurationMs: 'budget-max-duration-ms',
};

const number = (flag: string, value: string | undefined) => {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) throw new CliError(`--${flag}: expected a whole number, got "${value}"`);
  return parsed;
};

/** The flags as `budget`, bounded as the API bounds it; undefined when none is given. */
export function budgetFromFlags(values: Partial<Record<keyof typeof budgetOptions, string | undefined>>): RunBudgetRequest | undefined {
  const candidate = Object.fromEntries(
    (Object.entries(budgetFlagOf) as [keyof RunBudgetRequest, keyof typeof budgetOptions][]).flatMap(([field, flag]) => {
      const value = number(flag, values[flag]);
      return value === undefined ? [] : [[field, value]];
    }),
  );
  if (Object.keys(candidate).length === 0) return undefined;
  const parsed = runBudgetSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path[0] as keyof RunBudgetRequest | undefined;
    throw new CliError(`--${field ? budgetFlagOf[field] : 'budget'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
