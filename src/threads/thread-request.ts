import { z } from 'zod';
import { createRunRequestSchema } from '../runs/run-request.js';

/** `POST /v1/threads`: a run's body without `input`; every turn runs with these settings. */
export const createThreadRequestSchema = createRunRequestSchema.omit({ input: true });
export type CreateThreadRequest = z.infer<typeof createThreadRequestSchema>;

/** `POST /v1/threads/:id/messages`: the turn's input, as a run's. */
export const sendMessageRequestSchema = z
  .object({
    input: createRunRequestSchema.shape.input,
    idempotencyKey: z.string().min(1).max(255).optional(),
  })
  .strict();
export type SendMessageRequest = z.infer<typeof sendMessageRequestSchema>;
