import { z } from 'zod';
import { messageSchema } from '../protocol/messages.js';
import { parseModelName } from '../models.js';
import { outputSpecSchema } from '../structured/output-spec.js';
import { modelSettingsSchema } from './model-settings.js';
import { webhookSpecSchema } from '../webhooks/webhook-spec.js';

export const maxStepsLimit = 10_000;

/**
 * Per-run stream timeouts (ms). Bounded so a run can neither spin on
 * instant timeouts nor outlive its model-step activity's 15-minute limit.
 */
// exactOptional: these are spread over the defaults, where an explicit undefined would erase one.
export const runTimeoutsSchema = z
  .object({
    connectMs: z.number().int().min(100, 'connectMs must be at least 100').max(120_000, 'connectMs must be at most 120000').exactOptional(),
    idleMs: z.number().int().min(100, 'idleMs must be at least 100').max(600_000, 'idleMs must be at most 600000').exactOptional(),
    totalMs: z.number().int().min(1_000, 'totalMs must be at least 1000').max(900_000, 'totalMs must be at most 900000').exactOptional(),
  })
  .strict();

const boundedInt = (name: string, min: number, max: number) =>
  z.number().int(`${name} must be a whole number`).min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`).optional();

/**
 * Per-run durability (workflows/run-input.ts `DurabilitySettings`). Bounded so
 * a run can neither declare its worker dead faster than heartbeats go out
 * (every half timeout, 500 ms at the fastest) nor retry without end.
 */
export const runDurabilitySchema = z
  .object({
    heartbeatTimeoutMs: boundedInt('heartbeatTimeoutMs', 1_000, 600_000),
    modelStepMaxAttempts: boundedInt('modelStepMaxAttempts', 1, 20),
    retryInitialIntervalMs: boundedInt('retryInitialIntervalMs', 100, 60_000),
    toolMaxAttempts: boundedInt('toolMaxAttempts', 1, 10),
    publishTimeoutMs: boundedInt('publishTimeoutMs', 1_000, 300_000),
  })
  .strict();

/** The longest a tool call may wait for a person (a year), and the default (24 hours). */
export const maxApprovalTimeoutMs = 365 * 86_400_000;
export const defaultApprovalTimeoutMs = 86_400_000;

/** How long a tool call waits for a decision before it counts as denied; per tool (`defineTool`) or per run. */
export const approvalTimeoutSchema = z
  .number()
  .int('approvalTimeoutMs must be a whole number of milliseconds')
  .min(1_000, 'approvalTimeoutMs must be at least 1000')
  .max(maxApprovalTimeoutMs, `approvalTimeoutMs must be at most ${maxApprovalTimeoutMs} (a year)`);

/** Tools whose calls wait for a person in this run, on top of those declared with `needsApproval`: names, or every tool. */
export const requireApprovalSchema = z.union([
  z.literal('all'),
  z.array(z.string().min(1, 'a tool name must not be empty')).max(128, 'at most 128 tool names'),
], { message: 'requireApproval must be "all" or an array of tool names' });

// exactOptional: a budget is spread over its agent's (and a resume's over the run's), where an explicit undefined would erase a limit.
const budgetLimit = (name: string, min: number) =>
  z.number().int(`${name} must be a whole number`).min(min, `${name} must be at least ${min}`).max(Number.MAX_SAFE_INTEGER).exactOptional();

/**
 * Limits a run stops at (workflows/budget.ts), failing with BudgetExceededError; for a run, an agent, or a resume.
 * `maxToolCalls: 0` allows a run no tool call at all.
 */
export const runBudgetSchema = z
  .object({
    maxTotalTokens: budgetLimit('maxTotalTokens', 1),
    maxOutputTokens: budgetLimit('maxOutputTokens', 1),
    maxToolCalls: budgetLimit('maxToolCalls', 0),
    maxDurationMs: budgetLimit('maxDurationMs', 1),
  })
  .strict();
export type RunBudgetRequest = z.infer<typeof runBudgetSchema>;

/** The body of `POST /v1/runs/:id/resume`, which may be left out: the run carries on with its own budget. */
export const resumeRunRequestSchema = z
  .object({
    /** Field by field over the run's own budget, e.g. a larger limit for the one it reached. */
    budget: runBudgetSchema.optional(),
  })
  .strict();
export type ResumeRunRequest = z.infer<typeof resumeRunRequestSchema>;

/** The body of `POST /v1/runs` (API.md), also what the CLI and client send. */
export const createRunRequestSchema = z
  .object({
    input: z.union([
      // Large inputs are fine: the API stores them in the blob store and the run holds a ref (the body limit bounds them).
      z.string().trim().min(1, 'input must not be empty'),
      z.array(messageSchema).min(1, 'input must hold at least one message').max(100_000, 'input may hold at most 100000 messages'),
    ]),
    model: z
      .string()
      .optional()
      .superRefine((name, context) => {
        if (name === undefined) return;
        const parsed = parseModelName(name);
        if (!parsed.ok) context.addIssue({ code: 'custom', message: parsed.message });
      }),
    instructions: z.string().max(100_000).optional(),
    /** A named agent from the catalogue: its settings are the run's defaults, the request's own fields win. */
    agent: z.string().min(1, 'agent must not be empty').max(64).optional(),
    tools: z.array(z.string().min(1)).max(128, 'at most 128 tools (the providers\' limit)').optional(),
    maxSteps: z
      .number()
      .int()
      .min(1, 'maxSteps must be at least 1')
      .max(maxStepsLimit, `maxSteps must be at most ${maxStepsLimit}`)
      .optional(),
    timeouts: runTimeoutsSchema.optional(),
    /** Structured output: the final answer must be JSON matching this schema (README "Structured output"). */
    output: outputSpecSchema.optional(),
    durability: runDurabilitySchema.optional(),
    modelSettings: modelSettingsSchema.optional(),
    /** Limits the run stops at; field by field over its agent's. */
    budget: runBudgetSchema.optional(),
    requireApproval: requireApprovalSchema.optional(),
    approvalTimeoutMs: approvalTimeoutSchema.optional(),
    idempotencyKey: z.string().min(1).max(255).optional(),
    /** Signed webhooks for the run's end (or the events named); the URL must be allowed by RUNSTREAM_WEBHOOK_HOSTS. */
    webhook: webhookSpecSchema.optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export type CreateRunRequest = z.infer<typeof createRunRequestSchema>;

/** One issue of a rejected request: where and why, for a 400 body or a CLI line. */
export interface InputIssue {
  path: string;
  message: string;
}

export function issuesOf(error: z.ZodError): InputIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.join('.') || '(body)', message: issue.message }));
}
