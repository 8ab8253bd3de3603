import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScriptedFailure } from '../../src/demo/script.js';
import type { CreateRunRequest } from '../../src/runs/run-request.js';
import { collect } from '../support/transcript-replay.js';
import { registerScript, startTestStack, testApiKey, type TestStack } from '../support/test-stack.js';
import { servedFor, type ProviderPrefix } from './providers-support.js';

/**
 * Each provider error class through the real stack: Temporal retries what is
 * retryable (the scripted failure is consumed, a new attempt answers), and
 * fails at once, with a clear run.failed, what is not.
 */

type Failure = Partial<ScriptedFailure>;
const answer = 'Recovered answer.';

async function runWith(stack: TestStack, prefix: ProviderPrefix, failures: Failure[], extra: Partial<CreateRunRequest> = {}) {
  const model = await registerScript({ turns: [{ text: answer, chunkSize: 4 }], failures: failures as ScriptedFailure[] });
  const run = await stack.client.enqueue({ input: 'hello', model: `${prefix}:${model}`, tools: [], ...extra });
  const events = (await collect(stack.client.subscribe(run.id))).map((entry) => entry.event);
  return { model, run, events, served: await servedFor(model) };
}

describe('provider errors through Temporal', () => {
  let stack: TestStack;
  let badKeyStack: TestStack;
  const badKey = 'invalid-SECRET-7f3a9c2e1b';
  beforeAll(async () => {
    [stack, badKeyStack] = await Promise.all([
      startTestStack('providers-errors'),
      startTestStack('providers-bad-key', { env: { OPENAI_API_KEY: badKey, ANTHROPIC_API_KEY: badKey } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([stack?.stop(), badKeyStack?.stop()]);
  });

  describe.concurrent('retryable: retried by Temporal, the failure consumed, the run completes', () => {
    const retryable: [string, ProviderPrefix, Failure, Partial<CreateRunRequest>?][] = [
      ['429 with retry-after-ms', 'openai', { status: 429, message: 'Rate limit reached', retryAfterMs: 20 }],
      ['429 with Anthropic rate-limit reset headers', 'anthropic', { status: 429, headers: { 'anthropic-ratelimit-requests-reset': new Date(Date.now() + 50).toISOString() } }],
      ['408 request timeout', 'openai-responses', { status: 408, retryAfterMs: 20 }],
      ['409 conflict', 'openai', { status: 409, retryAfterMs: 20 }],
      ['500 server error', 'openai-responses', { status: 500, message: 'The server had an error', retryAfterMs: 20 }],
      ['529 overloaded', 'anthropic', { status: 529, message: 'Overloaded', retryAfterMs: 20 }],
      ['overloaded_error inside a 200 stream', 'anthropic', { streamError: 'overloaded_error', message: 'Overloaded', afterChunks: 3 }],
      ['server_error inside a 200 stream', 'openai-responses', { streamError: 'server_error', message: 'boom', afterChunks: 4 }],
      ['a stream cut before its finish event', 'openai', { cutAfterChunks: 3 }],
      ['a connection reset right after the headers', 'anthropic', { cutAfterChunks: 0 }],
      ['a stream idle past its per-run timeout', 'openai', { stallMs: 4_000, afterChunks: 2 }, { timeouts: { idleMs: 300 } }],
    ];
    it.each(retryable)('%s (%s)', async (_label, prefix, failure, extra) => {
      const { events, served } = await runWith(stack, prefix, [failure], extra);
      expect(events.at(-1), JSON.stringify(events.at(-1))).toMatchObject({ type: "run.completed", result: { output: answer } });
      // The second attempt of the step announced itself, and the server saw the failure, then a full answer.
      expect(events.filter((event) => event.type === 'step.resumed')).toEqual([expect.objectContaining({ step: 1, attempt: 2 })]);
      // Before it, the failed attempt said why and when Temporal retries: the provider's retry-after, else the policy's first interval.
      const retrying = events.filter((event) => event.type === 'step.retrying');
      expect(retrying).toEqual([
        expect.objectContaining({ step: 1, attempt: 2, error: expect.objectContaining({ type: expect.stringMatching(/^ProviderError\./), retryable: true }) }),
      ]);
      expect(events.indexOf(retrying[0]!)).toBeLessThan(events.findIndex((event) => event.type === 'step.resumed'));
      const delayMs = retrying[0]?.type === 'step.retrying' ? retrying[0].delayMs : undefined;
      if (failure.retryAfterMs !== undefined) expect(delayMs).toBe(failure.retryAfterMs);
      else expect(delayMs).toBeGreaterThan(0);
      expect(served.map((request) => [Boolean(request.failure), request.completed])).toEqual([
        [true, false],
        [false, true],
      ]);
    });
  });

  describe.concurrent('not retryable: fails at once with a clear run.failed', () => {
    const fatal: [string, ProviderPrefix, Failure, string, RegExp][] = [
      ['400 bad request', 'openai', { status: 400, message: "Invalid value for 'messages'" }, 'ProviderError.bad_request', /^openai:script-\w+ 400 bad_request: Invalid value/],
      ['403 forbidden', 'openai-responses', { status: 403, message: 'Project does not have access' }, 'ProviderError.auth', /^openai-responses:script-\w+ 403 auth: Project does not/],
      ['404 not found', 'anthropic', { status: 404, message: 'model: claude-nope' }, 'ProviderError.not_found', /^anthropic:script-\w+ 404 not_found: not_found_error: model: claude-nope/],
      ['422 unprocessable', 'openai', { status: 422, message: 'Unprocessable' }, 'ProviderError.bad_request', /^openai:script-\w+ 422 bad_request: Unprocessable/],
      ['context length exceeded (OpenAI code)', 'openai', { status: 400, code: 'context_length_exceeded', message: "This model's maximum context length is 128000 tokens." }, 'ProviderError.context_length', /400 context_length: This model's maximum context length/],
      ['context length exceeded (Anthropic message)', 'anthropic', { status: 400, message: 'prompt is too long: 212000 tokens > 200000 maximum' }, 'ProviderError.context_length', /400 context_length: invalid_request_error: prompt is too long/],
      ['a malformed chunk', 'openai-responses', { rawChunk: '{"type":"response.output_text.delta","item_id":', afterChunks: 3 }, 'ProviderError.malformed', /^openai-responses:script-\w+ malformed: a chunk is not JSON/],
    ];
    it.each(fatal)('%s (%s)', async (_label, prefix, failure, type, message) => {
      const { events, served } = await runWith(stack, prefix, [failure]);
      const last = events.at(-1);
      expect(last?.type).toBe('run.failed');
      if (last?.type !== 'run.failed') return;
      expect(last.error).toMatchObject({ type, retryable: false });
      expect(last.error.message).toMatch(message);
      expect(events.some((event) => event.type === 'step.resumed' || event.type === 'step.retrying')).toBe(false);
      expect(served).toHaveLength(1);
    });
  });

  it.each(['openai', 'anthropic'] as const)('401 with a bad key (%s): fails at once, and the key is in no message, event or history', async (prefix) => {
    const { run, events } = await runWith(badKeyStack, prefix, []);
    const last = events.at(-1);
    expect(last).toMatchObject({ type: 'run.failed', error: { type: 'ProviderError.auth', retryable: false } });
    if (last?.type === 'run.failed') expect(last.error.message).toMatch(new RegExp(`^${prefix}:script-\\w+ 401 auth: .*\\[redacted\\]`));
    expect(JSON.stringify(events)).not.toContain(badKey);
    const history = await badKeyStack.temporal.workflow.getHandle(run.id).fetchHistory();
    const text = JSON.stringify(history, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value));
    expect(text).toContain('401');
    expect(text).not.toContain(badKey);
  });

  it.each([
    [{ idleMs: 5 }, 'timeouts.idleMs', /at least 100/],
    [{ totalMs: 3_600_000 }, 'timeouts.totalMs', /at most 900000/],
    [{ connectMs: 'soon' }, 'timeouts.connectMs', /number/],
    [{ readMs: 1_000 }, 'timeouts', /readMs/],
  ])('rejects per-run timeouts %j with a 400 naming %s', async (timeouts, path, message) => {
    const response = await fetch(`${stack.api.url}/v1/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testApiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: 'hi', model: 'openai:any', timeouts }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { message: string; issues: { path: string; message: string }[] } };
    expect(body.error.issues.map((issue) => issue.path)).toContain(path);
    expect(body.error.message).toMatch(message);
  });
});
