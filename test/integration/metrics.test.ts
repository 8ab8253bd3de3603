import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/index.js';
import { childEnv, CliProcess, sampleValue } from '../support/cli-process.js';
import { registerScript, testApiKey, testEnv } from '../support/test-stack.js';

const scrape = async (url: string) => {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return response.text();
};

describe('GET /metrics on the API and on the worker (real processes)', () => {
  const env = testEnv('metrics');
  let api: CliProcess;
  let worker: CliProcess;
  let apiUrl: string;
  let workerMetricsUrl: string;

  beforeAll(async () => {
    worker = new CliProcess(['worker', '--metrics-port', '0'], childEnv(env));
    api = new CliProcess(['api', '--port', '0'], childEnv(env, { RUNSTREAM_RATE_LIMIT: '4' }));
    [apiUrl, workerMetricsUrl] = await Promise.all([
      api.waitFor(/runstream API on (http:[^"\s]+)/).then((match) => match[1]!),
      worker.waitFor(/"metricsUrl":"(http:[^"]+)"/).then((match) => match[1]!),
    ]);
    await worker.waitFor(/worker polling/);
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
  });

  it('counts runs by model and outcome, relays, provider errors, steps, tools and rate limits, and carries Temporal worker metrics', async () => {
    const before = await scrape(`${apiUrl}/metrics`);
    expect(sampleValue(before, 'runstream_events_relayed_total')).toBeUndefined();
    expect(sampleValue(await scrape(workerMetricsUrl), 'runstream_runs_total')).toBeUndefined();

    const client = createClient({ url: apiUrl, apiKey: testApiKey, reconnectDelayMs: 100 });
    // Throttled once (retried after the provider's retry-after), then a tool call, then the answer.
    const model = `openai:${await registerScript({
      failures: [{ status: 429, retryAfterMs: 20 }],
      turns: [
        { text: 'Computing.', toolCalls: [{ name: 'calculator', arguments: { expression: '6*7' } }] },
        { text: 'It is 42.', delayMs: 5 },
      ],
    })}`;
    const completed = await client.enqueue({ input: 'What is 6*7?', model, tools: ['calculator'] });
    const seen: string[] = [];
    for await (const { event } of client.subscribe(completed.id)) seen.push(event.type);
    expect(seen.at(-1)).toBe('run.completed');

    const refusing = `openai:${await registerScript({ failures: [{ status: 400, message: 'bad request' }], turns: [{ text: 'never' }] })}`;
    const failed = await client.enqueue({ input: 'fail', model: refusing, tools: [] });
    expect(await client.result(failed.id).catch((error: Error) => error.message)).toMatch(/bad_request|bad request/);

    const slow = `openai:${await registerScript({ turns: [{ text: 'slow '.repeat(300), delayMs: 20 }] })}`;
    const cancelled = await client.enqueue({ input: 'stop me', model: slow, tools: [] });
    for await (const { event } of client.subscribe(cancelled.id)) {
      if (event.type === 'text.delta') await client.cancel(cancelled.id);
      if (event.type === 'run.cancelled') break;
    }
    // The fourth enqueue of this minute was the last one allowed (RUNSTREAM_RATE_LIMIT=4).
    const quick = `openai:${await registerScript({ turns: [{ text: 'Done.' }] })}`;
    await client.enqueue({ input: 'one more', model: quick, tools: [] });
    const refused = await fetch(`${apiUrl}/v1/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testApiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: 'too many', model }),
    });
    expect(refused.status).toBe(429);

    const apiText = await scrape(`${apiUrl}/metrics`);
    expect(sampleValue(apiText, 'runstream_events_relayed_total', { source: 'live' })).toBeGreaterThan(0);
    expect(sampleValue(apiText, 'runstream_relay_latency_seconds_count')).toBeGreaterThan(0);
    expect(sampleValue(apiText, 'runstream_relay_latency_seconds_bucket', { le: '+Inf' })).toBe(sampleValue(apiText, 'runstream_relay_latency_seconds_count'));
    expect(sampleValue(apiText, 'runstream_sse_viewers')).toBe(0);
    expect(sampleValue(apiText, 'runstream_rate_limit_rejections_total', { limit: 'rate' })).toBe(1);
    expect(sampleValue(apiText, 'runstream_http_requests_total', { route: '/v1/runs', status: '2xx' })).toBe(4);
    expect(sampleValue(apiText, 'runstream_runs_active')).toBeGreaterThanOrEqual(0);
    expect(sampleValue(apiText, 'runstream_redis_reconnects_total')).toBeUndefined();

    // The worker publishes run events on its own schedule after the viewer saw them: wait for the last outcome.
    let workerText = await scrape(workerMetricsUrl);
    while (sampleValue(workerText, 'runstream_runs_total', { outcome: 'cancelled' }) === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      workerText = await scrape(workerMetricsUrl);
    }
    expect(sampleValue(workerText, 'runstream_runs_total', { outcome: 'started', model })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(workerText, 'runstream_runs_total', { outcome: 'completed', model })).toBe(1);
    expect(sampleValue(workerText, 'runstream_runs_total', { outcome: 'failed', model: refusing })).toBe(1);
    expect(sampleValue(workerText, 'runstream_runs_total', { outcome: 'cancelled', model: slow })).toBe(1);
    expect(sampleValue(workerText, 'runstream_provider_errors_total', { provider: 'openai', kind: 'rate_limited' })).toBe(1);
    expect(sampleValue(workerText, 'runstream_provider_errors_total', { provider: 'openai', kind: 'bad_request' })).toBe(1);
    expect(sampleValue(workerText, 'runstream_model_step_first_token_seconds_count', { model })).toBe(2);
    expect(sampleValue(workerText, 'runstream_model_step_duration_seconds_count', { model, outcome: 'ok' })).toBe(2);
    expect(sampleValue(workerText, 'runstream_model_step_duration_seconds_count', { model, outcome: 'provider_error' })).toBe(1);
    expect(sampleValue(workerText, 'runstream_tool_duration_seconds_count', { tool: 'calculator', outcome: 'ok' })).toBe(1);
    expect(sampleValue(workerText, 'runstream_events_published_total')).toBeGreaterThan(10);
    expect(sampleValue(workerText, 'runstream_publisher_buffered_events')).toBe(0);
    // The Temporal runtime's own metrics, merged into the same scrape.
    expect(workerText).toMatch(/^temporal_\w+/m);
    expect(sampleValue(workerText, 'temporal_activity_execution_latency_count')).toBeGreaterThan(0);

    // Bounded labels: no run id anywhere in either scrape.
    for (const text of [apiText, workerText]) {
      for (const id of [completed.id, failed.id, cancelled.id]) expect(text).not.toContain(id);
    }
  });
});
