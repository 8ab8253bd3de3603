import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseApiKeys } from '../../src/config.js';
import { startApiProcess, tokenSecret } from '../../src/processes/api-process.js';
import { ViewerTokens } from '../../src/server/viewer-token.js';
import { readSse } from '../support/sse-reader.js';
import { registerScript, startTestStack, testApiKey, type TestStack } from '../support/test-stack.js';

describe('who may see what: API keys and per-run viewer tokens', () => {
  let stack: TestStack;
  let runA: { id: string; viewerToken: string };
  let runB: { id: string; viewerToken: string };
  beforeAll(async () => {
    stack = await startTestStack('api-auth');
    const model = `openai:${await registerScript({ turns: [{ text: 'Hello from the auth test.' }] })}`;
    runA = await stack.client.enqueue({ input: 'a', model, tools: [] });
    runB = await stack.client.enqueue({ input: 'b', model, tools: [] });
    await Promise.all([stack.client.result(runA.id), stack.client.result(runB.id)]);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const events = (runId: string, query = '', headers: Record<string, string> = {}) =>
    fetch(`${stack.api.url}/v1/runs/${runId}/events${query}`, { headers });
  const errorType = async (response: Response) => ((await response.json()) as { error: { type: string } }).error.type;
  // Tokens the API would sign, made with the secret it derives from its keys.
  const signer = () => new ViewerTokens(tokenSecret({}, parseApiKeys(stack.env.RUNSTREAM_API_KEYS)));

  it('answers the auth matrix on the events stream', async () => {
    const expired = signer().issue(runA.id, Date.now() - 16 * 60 * 1000).token;
    const [prefix, id, expiry] = runA.viewerToken.split('.');
    const forgedSignature = `${prefix}.${id}.${expiry}.${'A'.repeat(43)}`;
    const longerLife = `${prefix}.${id}.${Number(expiry) + 3600}.${runA.viewerToken.split('.')[3]}`;
    const cases: [string, Response, number, string][] = [
      ['no key, no token', await events(runA.id), 401, 'unauthorized'],
      ['a wrong key', await events(runA.id, '', { authorization: 'Bearer not-a-key' }), 401, 'unauthorized'],
      ['an expired token', await events(runA.id, `?token=${expired}`), 401, 'unauthorized'],
      ['a forged signature', await events(runA.id, `?token=${forgedSignature}`), 401, 'unauthorized'],
      ['a token whose expiry was pushed back', await events(runA.id, `?token=${longerLife}`), 401, 'unauthorized'],
      ['a malformed token', await events(runA.id, '?token=hello'), 401, 'unauthorized'],
      ["another run's token", await events(runA.id, `?token=${runB.viewerToken}`), 403, 'forbidden'],
    ];
    for (const [label, response, status, type] of cases) {
      expect(response.status, label).toBe(status);
      expect(await errorType(response), label).toBe(type);
    }
  });

  it("lets the run's own token and a key read the stream", async () => {
    const withToken = await readSse(`${stack.api.url}/v1/runs/${runA.id}/events?token=${encodeURIComponent(runA.viewerToken)}`);
    const withKey = await readSse(`${stack.api.url}/v1/runs/${runA.id}/events`, { authorization: `Bearer ${testApiKey}` });
    expect(withToken.status).toBe(200);
    expect(withToken.messages.at(-1)?.event).toBe('run.completed');
    expect(withToken.messages.map((message) => message.id)).toEqual(withKey.messages.map((message) => message.id));
  });

  it('a viewer token is read-only: it cannot enqueue, read status, list or renew', async () => {
    const asBearer = { authorization: `Bearer ${runA.viewerToken}`, 'content-type': 'application/json' };
    const attempts = [
      await fetch(`${stack.api.url}/v1/runs`, { method: 'POST', headers: asBearer, body: JSON.stringify({ input: 'hi' }) }),
      await fetch(`${stack.api.url}/v1/runs/${runA.id}`, { headers: asBearer }),
      await fetch(`${stack.api.url}/v1/runs`, { headers: asBearer }),
      await fetch(`${stack.api.url}/v1/runs/${runA.id}/viewer-token`, { method: 'POST', headers: asBearer }),
      await fetch(`${stack.api.url}/v1/runs?token=${encodeURIComponent(runA.viewerToken)}`),
    ];
    for (const response of attempts) expect(response.status).toBe(401);
  });

  it('a key holder renews a viewer token; it works for that run only; unknown runs are 404', async () => {
    const renewed = await stack.client.viewerToken(runA.id);
    expect(renewed.viewerToken).toMatch(/^v1\./);
    expect(Date.parse(renewed.expiresAt)).toBeGreaterThan(Date.now());
    expect((await events(runA.id, `?token=${encodeURIComponent(renewed.viewerToken)}`)).status).toBe(200);
    expect((await events(runB.id, `?token=${encodeURIComponent(renewed.viewerToken)}`)).status).toBe(403);
    const unknown = await fetch(`${stack.api.url}/v1/runs/run_0000000000000000/viewer-token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testApiKey}` },
    });
    expect(unknown.status).toBe(404);
  });

  it('lists recent runs for key holders', async () => {
    const runs = await stack.client.list();
    expect(runs.map((run) => run.id)).toEqual(expect.arrayContaining([runA.id, runB.id]));
    expect(runs.find((run) => run.id === runA.id)).toMatchObject({ status: 'completed' });
  });

  it('has no keyless mode but --insecure, which binds to 127.0.0.1 only', async () => {
    const keyless = { ...stack.env, RUNSTREAM_API_KEYS: undefined };
    await expect(startApiProcess(keyless, { port: 0 })).rejects.toThrow(/RUNSTREAM_API_KEYS/);
    await expect(startApiProcess(keyless, { port: 0, insecure: true, host: '0.0.0.0' })).rejects.toThrow(/127\.0\.0\.1 only/);
    const api = await startApiProcess(keyless, { port: 0, insecure: true });
    try {
      expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const model = `openai:${await registerScript({ turns: [{ text: 'No key needed here.' }] })}`;
      const created = await fetch(`${api.url}/v1/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: 'hi', model, tools: [] }) });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      const read = await readSse(`${api.url}/v1/runs/${id}/events`);
      expect(read.messages.at(-1)?.event).toBe('run.completed');
    } finally {
      await api.close();
    }
  });
});
