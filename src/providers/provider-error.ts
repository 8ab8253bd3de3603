/**
 * Every provider failure, classified once. The model-step activity turns it
 * into an ApplicationFailure; nothing else decides whether to retry.
 */
export const providerErrorKinds = [
  'rate_limited', // 429
  'server', // 5xx, overloaded
  'timeout', // 408, idle stream, whole-step deadline
  'conflict', // 409
  'network', // connect refused, reset
  'truncated', // stream ended before its finish event
  'bad_request', // 400, 422
  'auth', // 401, 403
  'not_found', // 404
  'context_length',
  'malformed', // a chunk that does not parse
] as const;
export type ProviderErrorKind = (typeof providerErrorKinds)[number];

const retryableKinds: ReadonlySet<ProviderErrorKind> = new Set([
  'rate_limited',
  'server',
  'timeout',
  'conflict',
  'network',
  'truncated',
]);

export interface ProviderErrorInit {
  kind: ProviderErrorKind;
  provider: string;
  modelId: string;
  message: string;
  status?: number | undefined;
  retryAfterMs?: number | undefined;
  cause?: unknown;
}

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly kind: ProviderErrorKind;
  readonly provider: string;
  readonly modelId: string;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(init: ProviderErrorInit) {
    const status = init.status === undefined ? '' : ` ${init.status}`;
    super(`${init.provider}:${init.modelId}${status} ${init.kind}: ${init.message}`, { cause: init.cause });
    this.kind = init.kind;
    this.provider = init.provider;
    this.modelId = init.modelId;
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
  }

  get isRetryable(): boolean {
    return retryableKinds.has(this.kind);
  }
}

export function kindForStatus(status: number): ProviderErrorKind {
  if (status === 429) return 'rate_limited';
  if (status === 408) return 'timeout';
  if (status === 409) return 'conflict';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status >= 500) return 'server';
  return 'bad_request';
}

type Headers = Record<string, string | string[] | undefined>;

/** Go-style durations OpenAI uses in its reset headers: `1s`, `6m0s`, `20ms`, `1h2m3.5s`. */
export function parseDurationMs(text: string): number | undefined {
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text.trim()) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
  return parts.reduce((sum, part) => sum + Number(part[1]) * unit[part[2] as keyof typeof unit], 0);
}

/**
 * How long the provider asks us to wait: `retry-after-ms`, `retry-after`
 * (seconds or HTTP date), then the rate-limit reset headers — OpenAI's
 * `x-ratelimit-reset-*` durations and Anthropic's `anthropic-ratelimit-*-reset`
 * timestamps (for a rate limit only: on a 5xx the retry policy's backoff
 * is the right wait).
 */
export function retryAfterFromHeaders(
  headers: Headers,
  options: { now?: number; rateLimitResets?: boolean } = {},
): number | undefined {
  const now = options.now ?? Date.now();
  const header = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const msText = header('retry-after-ms');
  const ms = Number(msText);
  if (msText !== undefined && msText.trim() !== '' && Number.isFinite(ms) && ms >= 0) return ms;
  const retryAfter = header('retry-after');
  if (retryAfter !== undefined && retryAfter.trim() !== '') {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  // Reset headers ride on every response; only a 429 means a limit is what we must wait for.
  return options.rateLimitResets === false ? undefined : rateLimitResetMs(headers, now);
}

/**
 * Each limit (requests, tokens, input-tokens, …) reports when it resets and,
 * beside it, what remains. Wait for the exhausted limits — the latest of
 * them, since all must have room again; when none says it is exhausted, the
 * soonest reset is the best guess. Waiting for every limit's full refill would
 * stall a run for minutes behind a token window that was never the problem.
 */
function rateLimitResetMs(headers: Headers, now: number): number | undefined {
  const limits = new Map<string, { resetMs?: number; remaining?: number }>();
  const limit = (name: string) => limits.get(name) ?? limits.set(name, {}).get(name)!;
  for (const [name, value] of Object.entries(headers)) {
    const text = Array.isArray(value) ? value[0] : value;
    if (text === undefined) continue;
    const openai = name.match(/^x-ratelimit-(reset|remaining)-(.+)$/);
    const anthropic = name.match(/^anthropic-ratelimit-(.+)-(reset|remaining)$/);
    const [field, limitName] = openai ? [openai[1], openai[2]] : anthropic ? [anthropic[2], anthropic[1]] : [];
    if (!field || !limitName) continue;
    if (field === 'remaining') {
      const remaining = Number(text);
      if (Number.isFinite(remaining)) limit(limitName).remaining = remaining;
      continue;
    }
    const resetMs = openai ? parseDurationMs(text) : Math.max(0, Date.parse(text) - now);
    if (resetMs !== undefined && !Number.isNaN(resetMs)) limit(limitName).resetMs = resetMs;
  }
  const resets = [...limits.values()].filter((entry) => entry.resetMs !== undefined);
  if (resets.length === 0) return undefined;
  const exhausted = resets.filter((entry) => entry.remaining !== undefined && entry.remaining <= 0);
  const delays = (exhausted.length > 0 ? exhausted : resets).map((entry) => entry.resetMs as number);
  return exhausted.length > 0 ? Math.max(...delays) : Math.min(...delays);
}

/** Removes every secret from a text bound for an error message, history or a log. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let redacted = text;
  for (const secret of secrets) {
    if (secret.length >= 4) redacted = redacted.split(secret).join('[redacted]');
  }
  return redacted;
}

/** Provider messages that mean the prompt does not fit, whatever status carried them. */
export const contextLengthPattern =
  /context[_ ]length|context window|maximum context|prompt is too long|too many tokens|input is too long|exceeds the context/i;
