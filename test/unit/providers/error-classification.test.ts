import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toActivityFailure } from '../../../activities/activity-failure.js';
import { describeAnthropicErrorBody } from '../../../src/providers/anthropic-messages-api.js';
import { postForStream } from '../../../src/providers/http-stream.js';
import { describeOpenAIErrorBody } from '../../../src/providers/openai-error.js';
import {
  kindForStatus,
  parseDurationMs,
  ProviderError,
  providerErrorKinds,
  redactSecrets,
  retryAfterFromHeaders,
} from '../../../src/providers/provider-error.js';

const now = Date.parse('2026-01-01T00:00:00Z');

describe('retry delays from headers', () => {
  it.each([
    [{ 'retry-after-ms': '250' }, 250],
    [{ 'retry-after-ms': '250', 'retry-after': '9' }, 250],
    [{ 'retry-after': '3' }, 3_000],
    [{ 'retry-after': '0.5' }, 500],
    [{ 'retry-after': 'Thu, 01 Jan 2026 00:00:07 GMT' }, 7_000],
    [{ 'retry-after': 'Wed, 31 Dec 2025 23:59:00 GMT' }, 0],
    // No limit says it is exhausted: the soonest reset.
    [{ 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-reset-tokens': '6m0s' }, 1_000],
    // The exhausted limit decides, not the token window that still has room.
    [{ 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-tokens': '6m0s', 'x-ratelimit-remaining-tokens': '149000' }, 1_000],
    [{ 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-remaining-requests': '12', 'x-ratelimit-reset-tokens': '6m0s', 'x-ratelimit-remaining-tokens': '0' }, 360_000],
    [{ 'x-ratelimit-reset-tokens': '20ms' }, 20],
    [{ 'x-ratelimit-reset-requests': '1h2m3.5s' }, 3_723_500],
    [{ 'anthropic-ratelimit-requests-reset': '2026-01-01T00:00:02Z', 'anthropic-ratelimit-tokens-reset': '2026-01-01T00:00:05Z' }, 2_000],
    [
      {
        'anthropic-ratelimit-requests-reset': '2026-01-01T00:00:02Z',
        'anthropic-ratelimit-requests-remaining': '0',
        'anthropic-ratelimit-input-tokens-reset': '2026-01-01T00:00:05Z',
        'anthropic-ratelimit-input-tokens-remaining': '0',
        'anthropic-ratelimit-output-tokens-reset': '2026-01-01T00:00:50Z',
        'anthropic-ratelimit-output-tokens-remaining': '8000',
      },
      5_000,
    ],
    [{ 'x-ratelimit-reset-requests': 'soon' }, undefined],
    [{}, undefined],
  ])('%j → %s ms', (headers, expected) => {
    expect(retryAfterFromHeaders(headers, { now })).toBe(expected);
  });

  it('uses reset headers only for a rate limit; retry-after always', () => {
    expect(retryAfterFromHeaders({ 'x-ratelimit-reset-requests': '20ms' }, { now, rateLimitResets: false })).toBeUndefined();
    expect(retryAfterFromHeaders({ 'retry-after': '2' }, { now, rateLimitResets: false })).toBe(2_000);
  });

  it('reads Go-style durations and refuses anything else', () => {
    expect(parseDurationMs('1m30s')).toBe(90_000);
    expect(parseDurationMs('12')).toBeUndefined();
    expect(parseDurationMs('1s junk')).toBeUndefined();
  });
});

describe('classification', () => {
  it.each([
    [408, 'timeout', true],
    [409, 'conflict', true],
    [429, 'rate_limited', true],
    [500, 'server', true],
    [503, 'server', true],
    [529, 'server', true],
    [400, 'bad_request', false],
    [401, 'auth', false],
    [403, 'auth', false],
    [404, 'not_found', false],
    [413, 'bad_request', false],
    [422, 'bad_request', false],
  ] as const)('HTTP %d is %s (retryable: %s)', (status, kind, retryable) => {
    expect(kindForStatus(status)).toBe(kind);
    expect(new ProviderError({ kind, provider: 'p', modelId: 'm', message: 'x' }).isRetryable).toBe(retryable);
  });

  it('reads the provider’s own message and context-length codes from error bodies', () => {
    expect(describeOpenAIErrorBody('{"error":{"message":"too long","type":"invalid_request_error","code":"context_length_exceeded"}}')).toEqual({
      message: 'too long',
      kind: 'context_length',
    });
    expect(describeOpenAIErrorBody('{"error":{"message":"quota","type":"insufficient_quota","code":"insufficient_quota"}}')).toEqual({
      message: 'quota',
      kind: 'bad_request',
    });
    expect(describeAnthropicErrorBody('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}')).toEqual({
      message: 'overloaded_error: Overloaded',
    });
    expect(describeAnthropicErrorBody('<html>502 Bad Gateway</html>')).toEqual({ message: '<html>502 Bad Gateway</html>' });
  });

  it('redacts secrets wherever they appear', () => {
    expect(redactSecrets('key sk-abc123 and again sk-abc123.', ['sk-abc123'])).toBe('key [redacted] and again [redacted].');
  });
});

describe('ProviderError → ApplicationFailure', () => {
  it.each(providerErrorKinds)('%s', (kind) => {
    const error = new ProviderError({ kind, provider: 'anthropic', modelId: 'claude-x', status: 429, message: 'slow down', retryAfterMs: 1_500 });
    const failure = toActivityFailure(error, [{ text: 'partial' }]);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    const application = failure as ApplicationFailure;
    expect(application.type).toBe(`ProviderError.${kind}`);
    expect(application.nonRetryable).toBe(!error.isRetryable);
    expect(application.message).toBe(`anthropic:claude-x 429 ${kind}: slow down`);
    // Only a retryable failure carries the provider's delay; Temporal waits exactly that long.
    expect(application.nextRetryDelay).toBe(error.isRetryable ? 1_500 : undefined);
    expect(application.details).toEqual([{ text: 'partial' }]);
  });

  it('leaves a zero or absent delay to the retry policy', () => {
    const zero = toActivityFailure(new ProviderError({ kind: 'rate_limited', provider: 'p', modelId: 'm', message: 'x', retryAfterMs: 0 }));
    expect((zero as ApplicationFailure).nextRetryDelay).toBeUndefined();
  });
});

describe('postForStream against a real server', () => {
  let server: Server;
  let url: string;
  const secret = 'sk-live-TOPSECRET-42';
  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      if (request.url === '/limited') {
        response.writeHead(429, { 'content-type': 'application/json', 'retry-after-ms': '1234' });
        response.end(JSON.stringify({ error: { message: `Rate limit for key ${secret} reached`, type: 'requests', code: 'rate_limit_exceeded' } }));
      } else if (request.url === '/silent') {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write('data: {}\n\n');
        // then nothing: the idle timeout must fire
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  // Generous except for the deadline a test is about: a loaded machine must not fire the others.
  const post = (path: string, timeouts = { connectMs: 20_000, idleMs: 20_000, totalMs: 30_000 }) =>
    postForStream({
      provider: 'openai',
      modelId: 'gpt-test',
      url: `${url}${path}`,
      headers: { authorization: `Bearer ${secret}` },
      body: {},
      timeouts,
      describeErrorBody: describeOpenAIErrorBody,
      secrets: [secret],
    });
  const drain = async (path: string, timeouts?: Parameters<typeof post>[1]) => {
    for await (const _chunk of await post(path, timeouts)) {
      // read until it fails
    }
  };

  it('classifies a 429, keeps its retry-after-ms, and keeps the key out of the message', async () => {
    const error = (await drain('/limited').catch((caught: unknown) => caught)) as ProviderError;
    expect(error).toMatchObject({ kind: 'rate_limited', status: 429, retryAfterMs: 1_234, isRetryable: true });
    expect(error.message).toBe('openai:gpt-test 429 rate_limited: Rate limit for key [redacted] reached');
  });

  it('turns a silent stream into a retryable idle timeout', async () => {
    const error = await drain('/silent', { connectMs: 20_000, idleMs: 200, totalMs: 30_000 }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: 'timeout', isRetryable: true, message: expect.stringContaining('idle') });
  });

  it('turns the whole-step deadline into a retryable timeout', async () => {
    const error = await drain('/silent', { connectMs: 20_000, idleMs: 20_000, totalMs: 300 }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: 'timeout', isRetryable: true, message: expect.stringContaining('deadline') });
  });

  it('turns a refused connection into a retryable network error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await postForStream({
      provider: 'anthropic',
      modelId: 'claude-x',
      url: `http://127.0.0.1:${port}/v1/messages`,
      headers: {},
      body: {},
      timeouts: { connectMs: 20_000, idleMs: 20_000, totalMs: 30_000 },
      describeErrorBody: describeAnthropicErrorBody,
      secrets: [],
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: 'network', isRetryable: true });
  });
});
