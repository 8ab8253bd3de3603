import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/index.js';
import { apiUrlPattern, childEnv, CliProcess } from '../support/cli-process.js';
import { registerScript, testEnv } from '../support/test-stack.js';

// The stack's secrets, long and unmistakable, so any copy of one in a log is found.
const providerKey = 'sk-provider-secret-4f9c2a7e1b';
const apiKeys = ['rs_live_first-secret-9d3e71', 'rs_live_second-secret-b8a402'];
const tokenSecret = 'viewer-token-secret-71c5e2d0';
const secrets = [providerKey, ...apiKeys, tokenSecret];

describe('logs: structured JSON from the api and worker processes, with run and request ids, and no secrets', () => {
  const env = testEnv('logs', {
    OPENAI_API_KEY: providerKey,
    ANTHROPIC_API_KEY: providerKey,
    RUNSTREAM_API_KEYS: apiKeys.join(','),
  });
  // Debug: the most a process ever says about a run.
  const secretEnv = childEnv(env, { RUNSTREAM_TOKEN_SECRET: tokenSecret, RUNSTREAM_LOG_LEVEL: 'debug' });
  let api: CliProcess;
  let worker: CliProcess;
  let apiUrl: string;

  beforeAll(async () => {
    worker = new CliProcess(['worker'], secretEnv);
    api = new CliProcess(['api', '--port', '0'], secretEnv);
    apiUrl = (await api.waitFor(apiUrlPattern))[1]!;
    await worker.waitFor(/worker polling/);
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
  });

  it('a whole run, refused requests and a provider that echoes its key leave JSON lines and no secret', async () => {
    const client = createClient({ url: apiUrl, apiKey: apiKeys[1]!, reconnectDelayMs: 100 });
    const model = `openai:${await registerScript({
      turns: [{ text: 'Computing.', toolCalls: [{ name: 'calculator', arguments: { expression: '6*7' } }] }, { text: 'It is 42.' }],
    })}`;
    const run = await client.enqueue({ input: 'What is 6*7?', model, tools: ['calculator'] });
    // A browser viewer: the viewer token in the query string.
    const viewer = await fetch(`${apiUrl}/v1/runs/${run.id}/events?token=${encodeURIComponent(run.viewerToken)}`, {
      headers: { 'x-request-id': 'viewer-request-1' },
    });
    expect(viewer.headers.get('x-request-id')).toBe('viewer-request-1');
    expect(await viewer.text()).toContain('event: run.completed');

    // A wrong key, a key in the wrong header form, a viewer token used as a key.
    for (const authorization of [`Bearer ${apiKeys[0]}x`, apiKeys[0]!, `Bearer ${run.viewerToken}`]) {
      expect((await fetch(`${apiUrl}/v1/runs/${run.id}`, { headers: { authorization } })).status).toBe(401);
    }
    // A provider that answers 401 and quotes the key it was given, as real providers do.
    const echoing = `openai:${await registerScript({
      failures: [{ status: 401, message: `Incorrect API key provided: ${providerKey}` }],
      turns: [{ text: 'never' }],
    })}`;
    const failed = await client.enqueue({ input: 'fail', model: echoing, tools: [] });
    await expect(client.result(failed.id)).rejects.toThrow();

    // Stopped, so everything they had to say is written.
    await Promise.all([api.stop(), worker.stop()]);
    const logs = `${api.output}${worker.output}`;
    for (const secret of secrets) expect(logs).not.toContain(secret);
    expect(logs).not.toContain(run.viewerToken);

    const lines = logs.split('\n').filter((line) => line.trim() !== '');
    const records = lines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON log line: ${line}`);
      }
    });
    expect(records.every((record) => typeof record.level === 'number' && typeof record.time === 'string' && typeof record.msg === 'string')).toBe(true);
    // Requests carry their id and run; the viewer's id is the one it sent; the query string stays out.
    const requests = records.filter((record) => record.msg === 'request');
    expect(requests.find((record) => record.requestId === 'viewer-request-1')).toMatchObject({
      runId: run.id,
      route: '/v1/runs/:id/events',
      path: `/v1/runs/${run.id}/events`,
      status: 200,
    });
    expect(requests.filter((record) => record.status === 401 && record.runId === run.id)).toHaveLength(3);
    expect(requests.every((record) => typeof record.requestId === 'string')).toBe(true);
    // The worker's lines about a run name it, and a step's lines their step.
    expect(records.some((record) => record.runId === run.id && record.step === 1 && record.activityType === 'modelStep')).toBe(true);
    expect(records.some((record) => record.runId === failed.id && record.level === 40 && String(record.msg).includes('failed'))).toBe(true);
    // The echoed key was there to leak, and was scrubbed.
    expect(logs).toContain('Incorrect API key provided: [redacted]');
  });
});
