import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyStandardWebhook } from '../support/standard-webhooks.js';
import { countWorkflowsOnQueue, postRunBody, registerScript, startTestStack, testApiKey, type TestStack } from '../support/test-stack.js';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP receiver: records every request; answers each path's scripted statuses in turn, then 200. */
async function startReceiver(host: string, script: Record<string, number[]> = {}): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.statusCode = script[path]?.shift() ?? 200;
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { url: `http://${host}:${(server.address() as AddressInfo).port}`, received, server };
}

const secret = `whsec_${randomBytes(32).toString('base64')}`;

describe('signed webhooks (Standard Webhooks) with durable retries and SSRF checks', () => {
  let stack: TestStack;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let loopbackReceiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    // 127.0.0.2 is listed as an address; "localhost" only as a name, so its loopback addresses stay refused.
    receiver = await startReceiver('127.0.0.2', { '/flaky': [500] });
    loopbackReceiver = await startReceiver('127.0.0.1');
    stack = await startTestStack('webhooks', { env: { RUNSTREAM_WEBHOOK_SECRET: secret, RUNSTREAM_WEBHOOK_HOSTS: '127.0.0.2, localhost, hooks.example.com' } });
  });
  afterAll(async () => {
    await stack?.stop();
    receiver?.server.close();
    loopbackReceiver?.server.close();
  });

  it('run.completed is signed, retried after a 500 with the same webhook-id, and verifies with a reference verifier', async () => {
    const model = await registerScript({ turns: [{ text: 'Done.' }] });
    const run = await stack.client.enqueue({ input: 'hi', model: `openai:${model}`, tools: [], metadata: { order: 7 }, webhook: { url: `${receiver.url}/flaky` } });
    await vi.waitFor(() => expect(receiver.received.filter((entry) => entry.path === '/flaky')).toHaveLength(2), { timeout: 60_000, interval: 100 });
    const [first, second] = receiver.received.filter((entry) => entry.path === '/flaky') as [Received, Received];
    expect(first.headers['webhook-id']).toBe(`msg_${run.id}.run.completed`);
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    for (const attempt of [first, second]) {
      expect(verifyStandardWebhook(secret, attempt.headers, attempt.body)).toEqual({ ok: true });
      expect(attempt.headers['content-type']).toBe('application/json');
    }
    // Tampering with the body or signing with another secret fails the check.
    expect(verifyStandardWebhook(secret, second.headers, second.body.replace('completed', 'failed')).ok).toBe(false);
    expect(verifyStandardWebhook(`whsec_${randomBytes(32).toString('base64')}`, second.headers, second.body).ok).toBe(false);
    const body = JSON.parse(second.body) as { type: string; timestamp: string; data: Record<string, unknown> };
    expect(body.type).toBe('run.completed');
    expect(body.data).toMatchObject({ runId: run.id, status: 'completed', steps: 1, finishReason: 'stop', metadata: { order: 7 } });
    expect(second.body).not.toContain(secret.slice(6));
    // The run ended without waiting for the receiver.
    expect((await stack.client.get(run.id)).status).toBe('completed');
    // Nothing of the secret in the run's workflow history.
    const history = JSON.stringify(await stack.temporal.workflow.getHandle(run.id).fetchHistory());
    expect(history).not.toContain(secret.slice(6));
  });

  it('events: only the named ones are sent (a run that fails, with a webhook for failures)', async () => {
    const run = await stack.client.enqueue({
      input: 'hi',
      model: 'openai:no-such-script-model',
      tools: [],
      durability: { modelStepMaxAttempts: 1 },
      webhook: { url: `${receiver.url}/failed`, events: ['run.failed'] },
    });
    await vi.waitFor(() => expect(receiver.received.filter((entry) => entry.path === '/failed')).toHaveLength(1), { timeout: 60_000, interval: 100 });
    const delivered = receiver.received.find((entry) => entry.path === '/failed')!;
    expect(verifyStandardWebhook(secret, delivered.headers, delivered.body)).toEqual({ ok: true });
    expect(JSON.parse(delivered.body)).toMatchObject({ type: 'run.failed', data: { runId: run.id, status: 'failed' } });
  });

  it('tool.approval_requested: one message per waiting call, with its arguments, before anyone decides', async () => {
    const model = await registerScript({ turns: [{ text: 'Computing.', toolCalls: [{ name: 'calculator', arguments: { expression: '6*7' } }] }, { text: '42.' }] });
    const run = await stack.client.enqueue({
      input: 'hi',
      model: `openai:${model}`,
      tools: ['calculator'],
      requireApproval: ['calculator'],
      webhook: { url: `${receiver.url}/approvals`, events: ['tool.approval_requested', 'run.completed'] },
    });
    await vi.waitFor(() => expect(receiver.received.filter((entry) => entry.path === '/approvals')).toHaveLength(1), { timeout: 60_000, interval: 100 });
    const request = receiver.received.find((entry) => entry.path === '/approvals')!;
    expect(verifyStandardWebhook(secret, request.headers, request.body)).toEqual({ ok: true });
    const message = JSON.parse(request.body) as { type: string; data: { runId: string; callId: string; name: string; arguments: unknown; expiresAt: string } };
    expect(message).toMatchObject({ type: 'tool.approval_requested', data: { runId: run.id, name: 'calculator', arguments: { expression: '6*7' } } });
    expect(request.headers['webhook-id']).toBe(`msg_${run.id}.tool.approval_requested.${message.data.callId}`);
    await stack.client.approve(run.id, message.data.callId, { approve: true });
    await vi.waitFor(() => expect(receiver.received.filter((entry) => entry.path === '/approvals')).toHaveLength(2), { timeout: 60_000, interval: 100 });
    expect(JSON.parse(receiver.received.filter((entry) => entry.path === '/approvals')[1]!.body)).toMatchObject({ type: 'run.completed', data: { status: 'completed', steps: 2 } });
  });

  it('a URL that is not allowed is refused at enqueue with 400 naming webhook.url, and nothing starts', async () => {
    const before = await countWorkflowsOnQueue(stack);
    for (const url of ['http://10.0.0.5/hook', 'http://169.254.169.254/latest/meta-data', 'http://[::1]:8080/', 'https://example.org/hook', 'ftp://hooks.example.com/x', 'http://127.0.0.1:9/']) {
      const response = await postRunBody(stack, { input: 'hi', webhook: { url } });
      expect(response.status, url).toBe(400);
      const body = (await response.json()) as { error: { issues: { path: string; message: string }[] } };
      expect(body.error.issues[0]?.path, url).toBe('webhook.url');
    }
    const threads = await fetch(`${stack.api.url}/v1/threads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testApiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ webhook: { url: 'http://192.168.1.1/' } }),
    });
    expect(threads.status).toBe(400);
    expect(((await threads.json()) as { error: { issues: { path: string }[] } }).error.issues[0]?.path).toBe('webhook.url');
    expect(await countWorkflowsOnQueue(stack)).toBe(before);
  });

  it('a listed name that resolves to a loopback address is refused at delivery (DNS rebinding), never retried', async () => {
    const port = new URL(loopbackReceiver.url).port;
    const model = await registerScript({ turns: [{ text: 'Done.' }] });
    const run = await stack.client.enqueue({ input: 'hi', model: `openai:${model}`, tools: [], webhook: { url: `http://localhost:${port}/rebound` } });
    const delivery = stack.temporal.workflow.getHandle(`${run.id}.webhook.run.completed`);
    const failure = await vi.waitFor(
      async () => {
        try {
          await delivery.result();
        } catch (error) {
          // Not found yet: the run has not reached its end.
          if (error instanceof WorkflowFailedError) return error;
          throw error;
        }
        throw new Error('the delivery did not fail');
      },
      { timeout: 60_000, interval: 200 },
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(JSON.stringify((failure as WorkflowFailedError).cause?.cause)).toMatch(/WebhookRefused/);
    const history = await delivery.fetchHistory();
    const started = history.events?.filter((event) => event.activityTaskStartedEventAttributes) ?? [];
    expect(started).toHaveLength(1);
    expect(started[0]?.activityTaskStartedEventAttributes?.attempt).toBe(1);
    expect(loopbackReceiver.received).toHaveLength(0);
  });
});
