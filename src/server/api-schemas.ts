import { z } from 'zod';
import { catalogueAgentSchema, catalogueMcpServerSchema, catalogueToolSchema } from '../catalogue/catalogue-document.js';
import { budgetSchema, messageSchema, modelSettingsSchema, runErrorSchema, runEventSchema, runEventTypes, runResultSchema, runStatuses, usageSchema } from '../protocol/index.js';
import { apiErrorTypes } from './api-error.js';

/**
 * The shapes the API answers with, as zod schemas: the route descriptions
 * (routes.ts) name them, the OpenAPI document is generated from them, and the
 * answer-validation test holds the real answers to them. Request bodies live
 * with their parsers (runs/run-request.ts, threads/thread-request.ts).
 */

/** `{ error: { type, message, issues? } }`, every error answer. */
export const apiErrorSchema = z.object({
  error: z.object({
    type: z.enum(Object.keys(apiErrorTypes) as [keyof typeof apiErrorTypes, ...(keyof typeof apiErrorTypes)[]]),
    message: z.string(),
    /** Where and why a request was refused (400): `path` is the field's dotted path, `(body)` for the whole body. */
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

const runIdPattern = /^run_[a-z0-9]{10,40}$/;
const threadIdPattern = /^thr_[0-9a-f]{26}$/;
/** A Redis stream id, `<ms>-<seq>` (protocol/stream-id.ts); empty means "from the start", as no header does. */
const eventIdPattern = /^(\d{1,20}-\d{1,20})?$/;

export const runIdSchema = z.string().regex(runIdPattern, 'run not found').describe('A run id, `run_…`.');
export const threadIdSchema = z.string().regex(threadIdPattern, 'thread not found').describe('A thread id, `thr_` and 26 hex digits.');
export const runParamsSchema = z.object({ id: runIdSchema });
export const approvalParamsSchema = z.object({
  id: runIdSchema,
  callId: z.string().regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'no such tool call').describe('The tool call, as `tool.approval_requested` names it.'),
});
export const threadParamsSchema = z.object({ id: threadIdSchema });

const eventId = (where: string) =>
  z.string().regex(eventIdPattern, `${where} must be an event id such as 1700000000000-0`).optional();

/** `?after=` and `?token=` of the events streams. */
export const eventsQuerySchema = z.object({
  after: eventId('after').describe('Resume after this event id (as Last-Event-ID; the header wins when both are set).'),
  token: z.string().optional().describe("The run's (or thread's) viewer token, for pages that cannot send headers."),
});
export const eventsHeadersSchema = z.object({
  'last-event-id': eventId('Last-Event-ID').describe('Resume after this event id: the events logged after it, then live.'),
});

/** The answer of both events streams (a run's, a thread's): SSE whose data is a RunEvent. */
export const eventStreamAnswers = {
  200: { description: 'The event stream.', media: { type: 'text/event-stream', itemSchema: runEventSchema, itemDescription: `Events of the types ${runEventTypes.join(', ')}.` } },
} as const;

export const runListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1, 'limit must be 1 to 200').max(200, 'limit must be 1 to 200').default(50).describe('How many runs, newest first.'),
});

const runStatusSchema = z.enum(runStatuses);
const isoTime = z.string().describe('ISO 8601 time');
const stalledSchema = z.object({ reason: z.string(), since: isoTime, attempts: z.number().int().nonnegative() });
const metadataSchema = z.record(z.string(), z.unknown());
/** A tool call waiting for a person (status `waiting`). */
const pendingApprovalSchema = z.object({ step: z.number().int(), callId: z.string(), name: z.string(), arguments: z.unknown(), expiresAt: isoTime });

export const createdRunSchema = z.object({
  id: z.string(),
  status: runStatusSchema,
  viewerToken: z.string(),
  viewerTokenExpiresAt: isoTime,
  eventsUrl: z.string(),
  viewerUrl: z.string(),
});

const runViewSchema = z.object({
  id: z.string(),
  status: runStatusSchema,
  createdAt: isoTime,
  model: z.string(),
  agent: z.string().optional(),
  modelSettings: modelSettingsSchema.optional(),
  budget: budgetSchema.optional(),
  metadata: metadataSchema.optional(),
  result: runResultSchema.optional(),
  error: runErrorSchema.optional(),
  resumedBy: z.string().optional(),
  resumedFrom: z.string().optional(),
  stalled: stalledSchema.optional(),
  pendingApprovals: z.array(pendingApprovalSchema).optional(),
});
/** A run, or a thread's turn still waiting in its queue (no workflow yet: only its id and `queued`). */
export const runAnswerSchema = z.union([runViewSchema, z.object({ id: z.string(), status: z.literal('queued') })]);

export const runListSchema = z.object({
  runs: z.array(
    z.object({
      id: z.string(),
      status: runStatusSchema,
      createdAt: isoTime,
      closedAt: isoTime.optional(),
      model: z.string(),
      agent: z.string().optional(),
      modelSettings: modelSettingsSchema.optional(),
      budget: budgetSchema.optional(),
      stalled: stalledSchema.optional(),
      metadata: metadataSchema.optional(),
      pendingApprovals: z.array(pendingApprovalSchema).optional(),
    }),
  ),
});

export const viewerTokenSchema = z.object({ viewerToken: z.string(), expiresAt: isoTime });
export const cancelAnswerSchema = z.object({ id: z.string(), status: z.enum(['cancelled', 'cancelling']) });
export const resumeAnswerSchema = z.object({ id: z.string().describe('The run that carries on.'), resumedFrom: z.string() });

export const createdThreadSchema = z.object({ id: z.string(), viewerToken: z.string(), viewerTokenExpiresAt: isoTime, eventsUrl: z.string(), viewerUrl: z.string() });
export const approvalAnswerSchema = z.object({ callId: z.string(), approved: z.boolean() });
export const messageAnswerSchema = z.object({
  threadId: z.string(),
  runId: z.string().describe("The turn's run."),
  turn: z.number().int().positive(),
  position: z.number().int().nonnegative().describe("Place in the thread's queue; 0 when it runs now."),
});
export const threadAnswerSchema = z.object({
  id: z.string(),
  status: z.enum(['idle', 'running', 'waiting', 'closed']),
  createdAt: isoTime,
  model: z.string(),
  turns: z.number().int().nonnegative(),
  messages: z.array(messageSchema),
  usage: usageSchema,
  currentRunId: z.string().optional(),
  queued: z.number().int().nonnegative(),
  closedBy: z.enum(['request', 'idle']).optional(),
});
export const closeThreadAnswerSchema = z.object({ id: z.string(), status: z.enum(['closed', 'closing']) });

const catalogueHealth = {
  workers: z.number().int().nonnegative(),
  conflicts: z.array(z.object({ kind: z.enum(['tool', 'agent']), name: z.string(), workers: z.array(z.array(z.string())) })),
  mcpServers: z.array(catalogueMcpServerSchema.extend({ worker: z.string() })),
};
export const toolListSchema = z.object({ tools: z.array(catalogueToolSchema.extend({ workers: z.number().int().nonnegative() })), ...catalogueHealth });
export const agentListSchema = z.object({
  agents: z.array(
    catalogueAgentSchema.omit({ instructions: true }).extend({
      description: z.string(),
      model: z.string().nullable(),
      tools: z.array(z.string()),
      workers: z.number().int().nonnegative(),
    }),
  ),
  ...catalogueHealth,
});

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64');
/** Temporal's codec server protocol: protobuf JSON of Payloads. */
export const codecPayloadsSchema = z.object({
  payloads: z
    .array(z.object({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() }))
    .max(10_000, 'at most 10000 payloads per request'),
});

export const healthSchema = z.object({ ok: z.literal(true) });
export const anyJsonObjectSchema = z.record(z.string(), z.unknown());
