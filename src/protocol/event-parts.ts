import * as z from 'zod';

/** Shapes several run events share. */

/** The limits of a run's `budget`, as a `BudgetExceededError` names them. */
export const budgetLimits = ['maxTotalTokens', 'maxOutputTokens', 'maxToolCalls', 'maxDurationMs'] as const;
export type BudgetLimit = (typeof budgetLimits)[number];

export const runErrorSchema = z.object({
  type: z.string(),
  message: z.string(),
  retryable: z.boolean(),
  /** `BudgetExceededError`: the limit reached, what the run had used of it, and the limit's value. */
  limit: z.enum(budgetLimits).optional(),
  used: z.number().optional(),
  max: z.number().optional(),
});
export type RunError = z.infer<typeof runErrorSchema>;

/** A reasoning block a viewer keeps on `step.resumed`, and how many characters of it. */
export const keptReasoningSchema = z.object({ blockId: z.string(), length: z.number().int().nonnegative() });
export type KeptReasoning = z.infer<typeof keptReasoningSchema>;

/** Sampling settings a run was started with, as `run.started` reports them. */
export const modelSettingsSchema = z.object({
  temperature: z.number().optional(),
  topP: z.number().optional(),
  maxOutputTokens: z.number().int().optional(),
  stop: z.array(z.string()).optional(),
  seed: z.number().int().optional(),
});
export type ModelSettings = z.infer<typeof modelSettingsSchema>;

/** Limits a run was started with, as `run.started` reports them. */
export const budgetSchema = z.object({
  maxTotalTokens: z.number().int().optional(),
  maxOutputTokens: z.number().int().optional(),
  maxToolCalls: z.number().int().optional(),
  maxDurationMs: z.number().int().optional(),
});
export type Budget = z.infer<typeof budgetSchema>;
