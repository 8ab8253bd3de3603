import { z } from 'zod';

/**
 * What the local LLM server says for one model turn. Tests register scripts
 * by model name over HTTP; the demo model computes its turn from the prompt.
 */
export const scriptedTurnSchema = z.object({
  reasoning: z.string().optional(),
  /** Anthropic only: a redacted_thinking block with this opaque data, before any other content. */
  redactedReasoning: z.string().optional(),
  text: z.string().optional(),
  /** Instead of `text`: this many characters, different for every turn (`fillTextFor`), for long runs with large steps. */
  fillText: z.number().int().positive().max(16_000_000).optional(),
  toolCalls: z.array(z.object({ name: z.string(), arguments: z.unknown() })).optional(),
  /** Characters per text delta (default: word by word). */
  chunkSize: z.number().int().positive().optional(),
  /** Pause before each chunk. */
  delayMs: z.number().int().nonnegative().optional(),
  /** Chat Completions names (stop, length, tool_calls, content_filter); each protocol sends its own equivalent. */
  finishReason: z.string().optional(),
  /**
   * Chat Completions: texts the messages before the last user message must
   * contain (as `role: text`); otherwise the server answers 400 naming the
   * missing one, so a test proves the model was sent the earlier turns.
   */
  expectEarlier: z.array(z.string()).optional(),
  /** Texts the tool results since the last user message must contain; otherwise 400, so a test proves the model saw them. */
  expectToolResults: z.array(z.string()).optional(),
});
export type ScriptedTurn = z.infer<typeof scriptedTurnSchema>;

export const scriptedFailureSchema = z.object({
  /** The HTTP status of an error answer (ignored by the in-stream failures below). */
  status: z.number().int().min(400).max(599).default(500),
  message: z.string().default('scripted failure'),
  /** The provider's error code or type in the body, e.g. context_length_exceeded. */
  code: z.string().optional(),
  retryAfterSeconds: z.number().nonnegative().optional(),
  retryAfterMs: z.number().int().nonnegative().optional(),
  /** More response headers, e.g. x-ratelimit-reset-requests or anthropic-ratelimit-requests-reset. */
  headers: z.record(z.string(), z.string()).optional(),
  /** Answer 200, stream this many chunks, then cut the connection. */
  cutAfterChunks: z.number().int().nonnegative().optional(),
  /** Answer 200, stream `afterChunks` chunks, then the protocol's error event of this type (e.g. overloaded_error) and end. */
  streamError: z.string().optional(),
  /** Answer 200, stream `afterChunks` chunks, then this raw `data:` payload (e.g. broken JSON), then the rest. */
  rawChunk: z.string().optional(),
  /** Answer 200, stream `afterChunks` chunks, then go silent this long before going on. */
  stallMs: z.number().int().positive().optional(),
  afterChunks: z.number().int().nonnegative().default(1),
});
export type ScriptedFailure = z.infer<typeof scriptedFailureSchema>;

export const scriptSchema = z.object({
  /** Turn n answers the n-th model call after the last user message; the last one repeats. */
  turns: z.array(scriptedTurnSchema).min(1),
  /** Turns chosen by the last user message's exact text (threads: one script, a different answer per message). */
  replies: z.record(z.string(), z.array(scriptedTurnSchema).min(1)).optional(),
  /** Consumed one per request, before any turn is served. */
  failures: z.array(scriptedFailureSchema).default([]),
});
export type Script = z.infer<typeof scriptSchema>;
export type ScriptInput = z.input<typeof scriptSchema>;

/** The text a turn with `fillText` says: its turn index first, then filler words up to `length` characters. */
export function fillTextFor(turnIndex: number, length: number): string {
  const head = `Step ${turnIndex + 1} notes.`;
  const words: string[] = [head];
  let size = head.length;
  for (let word = 0; size < length; word++) {
    const next = ` t${turnIndex}w${word}`;
    words.push(next);
    size += next.length;
  }
  return words.join('').slice(0, length);
}

/** Splits text into the deltas a provider would send: words with their leading space, or fixed sizes. */
export function chunkText(text: string, chunkSize?: number): string[] {
  if (chunkSize) {
    const chunks: string[] = [];
    for (let index = 0; index < text.length; index += chunkSize) chunks.push(text.slice(index, index + chunkSize));
    return chunks;
  }
  return text.match(/\s*\S+|\s+$/g) ?? (text ? [text] : []);
}

/** Answers 200 and streams, but fails inside the stream: a cut, an error event, or a stall. */
export const failsInStream = (failure: ScriptedFailure) =>
  failure.cutAfterChunks !== undefined ||
  failure.streamError !== undefined ||
  failure.stallMs !== undefined ||
  failure.rawChunk !== undefined;

export function failureHeaders(failure: ScriptedFailure): Record<string, string> {
  return {
    ...(failure.retryAfterSeconds === undefined ? {} : { 'retry-after': String(failure.retryAfterSeconds) }),
    ...(failure.retryAfterMs === undefined ? {} : { 'retry-after-ms': String(failure.retryAfterMs) }),
    ...failure.headers,
  };
}
