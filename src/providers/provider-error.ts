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
  status?: number;
  retryAfterMs?: number;
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

/** `retry-after` (seconds or HTTP date), `retry-after-ms`, or OpenAI's reset headers. */
export function retryAfterFromHeaders(headers: Record<string, string | string[] | undefined>, now = Date.now()): number | undefined {
  const header = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const ms = Number(header('retry-after-ms'));
  if (Number.isFinite(ms) && ms >= 0 && header('retry-after-ms') !== undefined) return ms;
  const retryAfter = header('retry-after');
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  return undefined;
}
