import { Agent, errors as undiciErrors, request } from 'undici';
import type { StreamTimeouts } from './language-model.js';
import { tracing } from '../observability/tracing.js';
import {
  contextLengthPattern,
  kindForStatus,
  ProviderError,
  redactSecrets,
  retryAfterFromHeaders,
  type ProviderErrorKind,
} from './provider-error.js';

export interface StreamingPost {
  provider: string;
  modelId: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  timeouts: StreamTimeouts;
  signal?: AbortSignal | undefined;
  /** Pulls the provider's own message (and, when the body says more than the status, a kind) out of an error body. */
  describeErrorBody: (body: string) => ErrorBodyDescription;
  /** Texts that must never appear in an error message (the API key). */
  secrets: readonly string[];
}

export interface ErrorBodyDescription {
  message: string;
  kind?: ProviderErrorKind | undefined;
}

const agents = new Map<number, Agent>();
function agentFor(connectMs: number): Agent {
  let agent = agents.get(connectMs);
  if (!agent) {
    agent = new Agent({ connect: { timeout: connectMs }, keepAliveTimeout: 30_000 });
    agents.set(connectMs, agent);
  }
  return agent;
}

/**
 * POSTs a streaming request with undici and hands back the body, or throws a
 * classified ProviderError. undici's bodyTimeout is exactly "idle between
 * chunks"; the whole-call deadline is an AbortSignal.timeout merged with the
 * caller's (activity cancellation) signal.
 */
export async function postForStream(call: StreamingPost): Promise<AsyncIterable<Uint8Array>> {
  const traced = tracing();
  if (!traced) return postUntraced(call);
  // A client span for the provider call, from the request to the stream's last byte, under the model step's span.
  const span = traced.tracer.startSpan(`POST ${call.provider}`, {
    kind: 2,
    attributes: { 'gen_ai.system': call.provider, 'gen_ai.request.model': call.modelId, 'server.address': new URL(call.url).host },
  });
  try {
    const body = await postUntraced(call);
    return endingWith(body, span);
  } catch (error) {
    failSpan(span, error);
    throw error;
  }
}

type SpanLike = { end(): void; setStatus(status: { code: number; message?: string }): void };
const failSpan = (span: SpanLike, error: unknown) => {
  span.setStatus({ code: 2, message: error instanceof Error ? error.message : String(error) });
  span.end();
};

async function* endingWith(body: AsyncIterable<Uint8Array>, span: SpanLike): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of body) yield chunk;
  } catch (error) {
    span.setStatus({ code: 2, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    // Stopped early (a cancel, a stale attempt): the span still ends.
    span.end();
  }
}

async function postUntraced(call: StreamingPost): Promise<AsyncIterable<Uint8Array>> {
  const deadline = AbortSignal.timeout(call.timeouts.totalMs);
  const signal = call.signal ? AbortSignal.any([call.signal, deadline]) : deadline;
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(call.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...call.headers },
      body: JSON.stringify(call.body),
      signal,
      dispatcher: agentFor(call.timeouts.connectMs),
      headersTimeout: call.timeouts.idleMs,
      bodyTimeout: call.timeouts.idleMs,
    });
  } catch (error) {
    throw classifyTransportError(error, call, deadline);
  }
  if (response.statusCode >= 400) {
    const text = await response.body.text().catch(() => '');
    const described = call.describeErrorBody(text);
    const statusKind = kindForStatus(response.statusCode);
    // A 4xx whose message says the prompt does not fit is its own kind: retrying it can never help.
    const kind =
      described.kind ?? (statusKind === 'bad_request' && contextLengthPattern.test(described.message) ? 'context_length' : statusKind);
    throw new ProviderError({
      kind,
      provider: call.provider,
      modelId: call.modelId,
      status: response.statusCode,
      message: redactSecrets(described.message, call.secrets) || `HTTP ${response.statusCode}`,
      retryAfterMs: retryAfterFromHeaders(response.headers, { rateLimitResets: kind === 'rate_limited' }),
    });
  }
  return guardBody(response.body, call, deadline);
}

async function* guardBody(
  body: AsyncIterable<Uint8Array>,
  call: StreamingPost,
  deadline: AbortSignal,
): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of body) yield chunk;
  } catch (error) {
    throw classifyTransportError(error, call, deadline);
  }
}

export function classifyTransportError(
  error: unknown,
  call: Pick<StreamingPost, 'provider' | 'modelId' | 'signal' | 'secrets'>,
  deadline?: AbortSignal,
): unknown {
  if (error instanceof ProviderError) return error;
  // The caller's own abort (a cancel) is not a provider failure: let it through as is.
  if (call.signal?.aborted) return call.signal.reason ?? error;
  const base = { provider: call.provider, modelId: call.modelId, cause: error };
  if (deadline?.aborted) return new ProviderError({ ...base, kind: 'timeout', message: 'the whole-step deadline passed' });
  if (error instanceof undiciErrors.BodyTimeoutError || error instanceof undiciErrors.HeadersTimeoutError) {
    return new ProviderError({ ...base, kind: 'timeout', message: 'the stream was idle past its timeout' });
  }
  if (error instanceof undiciErrors.ConnectTimeoutError) {
    return new ProviderError({ ...base, kind: 'timeout', message: 'connecting timed out' });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError({ ...base, kind: 'network', message: redactSecrets(message, call.secrets) });
}
