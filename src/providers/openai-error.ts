import { z } from 'zod';
import type { ErrorBodyDescription } from './http-stream.js';
import { contextLengthPattern, type ProviderErrorKind } from './provider-error.js';
import { parseJsonSafely } from './parse-json.js';

/**
 * OpenAI's error object, shared by Chat Completions and Responses (and by
 * most compatible servers): in an error body, and inside a 200 stream.
 */
export const openAIErrorSchema = z.object({
  message: z.string(),
  type: z.string().nullish(),
  code: z.union([z.string(), z.number()]).nullish(),
});
export const openAIErrorBodySchema = z.object({ error: openAIErrorSchema });

/** The kind an error reported inside a 200 stream gets: it has no status, so its code decides. */
export function kindForOpenAIError(error: z.infer<typeof openAIErrorSchema>): ProviderErrorKind {
  const code = String(error.code ?? error.type ?? '');
  if (code === 'context_length_exceeded' || contextLengthPattern.test(error.message)) return 'context_length';
  // Out of quota is billing, not load: no retry will succeed.
  if (code === 'insufficient_quota') return 'bad_request';
  if (/rate_limit/.test(code)) return 'rate_limited';
  if (/invalid_request|invalid_prompt|invalid_api_key|not_found|unsupported/.test(code)) return 'bad_request';
  // server_error, overloaded and unknown codes: the provider failed, a new attempt may succeed.
  return 'server';
}

export function describeOpenAIErrorBody(body: string): ErrorBodyDescription {
  const parsed = parseJsonSafely(body);
  if (parsed.ok) {
    const error = openAIErrorBodySchema.safeParse(parsed.value);
    if (error.success) {
      const { message, code } = error.data.error;
      if (code === 'context_length_exceeded') return { message, kind: 'context_length' };
      // A 429 for an exhausted quota is billing, not load: no retry will succeed.
      if (code === 'insufficient_quota') return { message, kind: 'bad_request' };
      return { message };
    }
  }
  return { message: body.slice(0, 500) || 'no error body' };
}
