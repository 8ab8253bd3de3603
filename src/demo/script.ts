import { z } from 'zod';

/**
 * What the local LLM server says for one model turn. Tests register scripts
 * by model name over HTTP; the demo model computes its turn from the prompt.
 */
export const scriptedTurnSchema = z.object({
  reasoning: z.string().optional(),
  text: z.string().optional(),
  toolCalls: z.array(z.object({ name: z.string(), arguments: z.unknown() })).optional(),
  /** Characters per text delta (default: word by word). */
  chunkSize: z.number().int().positive().optional(),
  /** Pause before each chunk. */
  delayMs: z.number().int().nonnegative().optional(),
  finishReason: z.string().optional(),
});
export type ScriptedTurn = z.infer<typeof scriptedTurnSchema>;

export const scriptedFailureSchema = z.object({
  status: z.number().int().min(400).max(599),
  message: z.string().default('scripted failure'),
  retryAfterSeconds: z.number().nonnegative().optional(),
  /** Answer 200, stream this many chunks, then cut the connection. */
  cutAfterChunks: z.number().int().nonnegative().optional(),
});
export type ScriptedFailure = z.infer<typeof scriptedFailureSchema>;

export const scriptSchema = z.object({
  /** Turn n answers the n-th model call after the last user message; the last one repeats. */
  turns: z.array(scriptedTurnSchema).min(1),
  /** Consumed one per request, before any turn is served. */
  failures: z.array(scriptedFailureSchema).default([]),
});
export type Script = z.infer<typeof scriptSchema>;

/** Splits text into the deltas a provider would send: words with their leading space, or fixed sizes. */
export function chunkText(text: string, chunkSize?: number): string[] {
  if (chunkSize) {
    const chunks: string[] = [];
    for (let index = 0; index < text.length; index += chunkSize) chunks.push(text.slice(index, index + chunkSize));
    return chunks;
  }
  return text.match(/\s*\S+|\s+$/g) ?? (text ? [text] : []);
}
