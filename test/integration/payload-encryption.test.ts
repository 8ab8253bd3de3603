import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptedEncoding } from '../../src/codec/payload-encryption.js';
import { registerScript, startTestStack, testApiKey, type TestStack } from '../support/test-stack.js';

describe('payloads encrypted at rest (real Temporal, real Redis, local LLM server)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('payload-encryption', { env: { RUNSTREAM_PAYLOAD_KEY: randomBytes(32).toString('base64') } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('keeps only ciphertext in history, while the API and its codec endpoint read the run as usual', async () => {
    const marker = `plaintext-marker-${randomBytes(6).toString('hex')}`;
    const model = await registerScript({
      turns: [{ text: 'checking', toolCalls: [{ name: 'calculator', arguments: { expression: '6*7' } }] }, { text: `answer ${marker}-out` }],
    });
    const { id } = await stack.client.enqueue({ input: `question ${marker}-in`, model: `openai:${model}`, tools: ['calculator'], instructions: `${marker}-instructions` });
    const result = await stack.client.result(id);
    expect(result.output).toBe(`answer ${marker}-out`);
    // run.completed is published just before the workflow completes: wait for it to close.
    await stack.temporal.workflow.getHandle(id).result().catch(() => undefined);
    expect((await stack.client.get(id)).result?.messages[0]).toEqual({ role: 'user', content: `question ${marker}-in` });

    // The test's own client has no codec: it sees history as stored.
    const history = await stack.temporal.workflow.getHandle(id).fetchHistory();
    const raw = Buffer.from(JSON.stringify(history.events));
    const stored = (history.events ?? []).flatMap((event) => [
      ...(event.workflowExecutionStartedEventAttributes?.input?.payloads ?? []),
      ...(event.activityTaskScheduledEventAttributes?.input?.payloads ?? []),
      ...(event.activityTaskCompletedEventAttributes?.result?.payloads ?? []),
      ...(event.workflowExecutionCompletedEventAttributes?.result?.payloads ?? []),
    ]);
    expect(stored.length).toBeGreaterThan(5);
    for (const payload of stored) {
      expect(new TextDecoder().decode(payload.metadata?.encoding ?? new Uint8Array())).toBe(encryptedEncoding);
      expect(Buffer.from(payload.data ?? new Uint8Array()).includes(marker)).toBe(false);
    }
    expect(raw.includes(marker)).toBe(false);
    expect(raw.includes(Buffer.from(marker).toString('base64').slice(0, 12))).toBe(false);

    // What the Temporal UI asks the codec server: the workflow's input, decoded.
    const input = (history.events ?? [])[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    const body = {
      payloads: [
        {
          metadata: Object.fromEntries(Object.entries(input?.metadata ?? {}).map(([name, value]) => [name, Buffer.from(value).toString('base64')])),
          data: Buffer.from(input?.data ?? new Uint8Array()).toString('base64'),
        },
      ],
    };
    const decode = (authorization?: string) =>
      fetch(`${stack.api.url}/v1/codec/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify(body),
      });
    expect((await decode()).status).toBe(401);
    const answer = await decode(`Bearer ${testApiKey}`);
    expect(answer.status).toBe(200);
    const decoded = (await answer.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(Buffer.from(decoded.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
    expect(Buffer.from(decoded.payloads[0]!.data, 'base64').toString()).toContain(`${marker}-instructions`);

    const encodeAnswer = await fetch(`${stack.api.url}/v1/codec/encode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${testApiKey}` },
      body: JSON.stringify(decoded),
    });
    const reencoded = (await encodeAnswer.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(Buffer.from(reencoded.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe(encryptedEncoding);
  }, 120_000);
});
