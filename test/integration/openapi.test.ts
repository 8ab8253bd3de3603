import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSseStream } from '../../src/protocol/index.js';
import { startApiProcess } from '../../src/processes/api-process.js';
import { registerScript, startTestStack, testApiKey, testEnv, type TestStack } from '../support/test-stack.js';

type Operation = { operationId: string; responses: Record<string, { content?: Record<string, { schema?: unknown }>; headers?: Record<string, unknown> }> };
type Document = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

/**
 * Real answers of the real API (worker, Temporal, Redis) held to its own
 * OpenAPI document: each answer's status must be listed for its route, its
 * content type listed for that status, and a JSON body (or each event of a
 * stream) valid against the listed schema (ajv, draft 2020-12). Every success
 * answer the document lists is seen at least once.
 */
describe('the API answers as its OpenAPI document says', () => {
  let stack: TestStack;
  let document: Document;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const validators = new Map<string, ValidateFunction>();
  const seen = new Set<string>();
  const auth = { authorization: `Bearer ${testApiKey}` };
  const json = { ...auth, 'content-type': 'application/json' };

  beforeAll(async () => {
    stack = await startTestStack('openapi');
    const response = await fetch(`${stack.api.url}/openapi.json`);
    document = (await response.json()) as Document;
    ajv.addSchema({ ...document, $id: 'openapi.json' });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const pointer = (...parts: string[]) => parts.map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
  const validatorFor = (ref: string) => {
    let validate = validators.get(ref);
    if (!validate) validators.set(ref, (validate = ajv.compile({ $ref: ref })));
    return validate;
  };

  /** Calls the API and checks the answer against the document's entry for `method template`. */
  async function call(method: string, template: string, path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown; response: Response }> {
    const operation = document.paths[template]?.[method.toLowerCase()];
    expect(operation, `${method} ${template} is documented`).toBeDefined();
    const response = await fetch(`${stack.api.url}${path}`, { ...init, method });
    const status = String(response.status);
    const answer = operation!.responses[status];
    expect(answer, `${method} ${path} answered ${status}, which ${template} does not list`).toBeDefined();
    seen.add(`${operation!.operationId} ${status}`);
    const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
    expect(Object.keys(answer!.content ?? {}), `${method} ${path} ${status} content type`).toContain(type);
    const base = `openapi.json#/${pointer('paths', template, method.toLowerCase(), 'responses', status, 'content', type, 'schema')}`;
    let body: unknown;
    if (type === 'application/json') {
      body = await response.json();
      const validate = validatorFor(base);
      expect(validate(body), `${method} ${path} ${status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`).toBe(true);
    } else if (type === 'text/event-stream') {
      const events: unknown[] = [];
      const validate = validatorFor('openapi.json#/components/schemas/RunEvent');
      for await (const message of parseSseStream(response.body as unknown as AsyncIterable<Uint8Array>)) {
        const event: unknown = JSON.parse(message.data);
        expect(validate(event), `${path} event ${message.data.slice(0, 300)}: ${ajv.errorsText(validate.errors)}`).toBe(true);
        expect(message.event).toBe((event as { type: string }).type);
        events.push(event);
      }
      body = events;
    } else {
      body = await response.text();
    }
    for (const header of Object.keys(answer!.headers ?? {})) expect(response.headers.has(header), `${method} ${path} ${status} header ${header}`).toBe(true);
    return { status: response.status, body, response };
  }

  it('runs: enqueue, list, read, stream, viewer token, cancel, resume, and their errors', async () => {
    const quick = `openai:${await registerScript({ turns: [{ text: 'forty-two' }] })}`;
    const created = await call('POST', '/v1/runs', '/v1/runs', { headers: json, body: JSON.stringify({ input: 'hi', model: quick, tools: [], metadata: { from: 'openapi' } }) });
    expect(created.status).toBe(201);
    const { id, viewerToken } = created.body as { id: string; viewerToken: string };
    const streamed = await call('GET', '/v1/runs/{id}/events', `/v1/runs/${id}/events?token=${encodeURIComponent(viewerToken)}`);
    expect((streamed.body as { type: string }[]).at(-1)?.type).toBe('run.completed');
    expect((await call('GET', '/v1/runs/{id}', `/v1/runs/${id}`, { headers: auth })).status).toBe(200);
    expect((await call('GET', '/v1/runs', '/v1/runs?limit=5', { headers: auth })).status).toBe(200);
    expect((await call('POST', '/v1/runs/{id}/viewer-token', `/v1/runs/${id}/viewer-token`, { headers: auth })).status).toBe(201);
    // Resuming a completed run is refused; a terminated one is carried on.
    expect((await call('POST', '/v1/runs/{id}/resume', `/v1/runs/${id}/resume`, { headers: auth })).status).toBe(409);

    const slow = `openai:${await registerScript({ turns: [{ text: 'slow '.repeat(400), delayMs: 20 }] })}`;
    const enqueue = async () => (await call('POST', '/v1/runs', '/v1/runs', { headers: json, body: JSON.stringify({ input: 'slow', model: slow, tools: [] }) })).body as { id: string };
    const toCancel = await enqueue();
    expect((await call('POST', '/v1/runs/{id}/cancel', `/v1/runs/${toCancel.id}/cancel`, { headers: auth })).status).toBe(202);
    const toResume = await enqueue();
    // Terminated once it runs (one that never ran has nothing to carry on: 409).
    for await (const { event } of stack.client.subscribe(toResume.id)) if (event.type === 'text.delta') break;
    await stack.temporal.workflow.getHandle(toResume.id).terminate('test: resume it');
    expect((await call('POST', '/v1/runs/{id}/resume', `/v1/runs/${toResume.id}/resume`, { headers: auth })).status).toBe(202);
    const resumedRun = await stack.client.resume(toResume.id);
    await stack.client.cancel(resumedRun.id);

    // A tool call waiting for a person: the run is listed `waiting` with it, and a key holder decides.
    const asks = `openai:${await registerScript({ turns: [{ text: '', toolCalls: [{ name: 'calculator', arguments: { expression: '6*7' } }] }, { text: '42' }] })}`;
    const waiting = (await call('POST', '/v1/runs', '/v1/runs', { headers: json, body: JSON.stringify({ input: '6*7?', model: asks, tools: ['calculator'], requireApproval: ['calculator'] }) })).body as { id: string; viewerToken: string };
    let callId = '';
    for await (const { event } of stack.client.subscribe(waiting.id)) {
      if (event.type === 'tool.approval_requested') {
        callId = event.callId;
        break;
      }
    }
    const decide = `/v1/runs/${waiting.id}/approvals/${callId}`;
    expect((await call('POST', '/v1/runs/{id}/approvals/{callId}', `${decide}?token=${encodeURIComponent(waiting.viewerToken)}`, { headers: { 'content-type': 'application/json' }, body: '{"approve":true}' })).status).toBe(403);
    expect((await call('POST', '/v1/runs/{id}/approvals/{callId}', decide, { headers: json, body: '{"approve":"yes"}' })).status).toBe(400);
    expect((await call('POST', '/v1/runs/{id}/approvals/{callId}', decide, { headers: json, body: '{"approve":true}' })).status).toBe(200);
    expect((await call('POST', '/v1/runs/{id}/approvals/{callId}', decide, { headers: json, body: '{"approve":true}' })).status).toBe(409);
    expect((await call('POST', '/v1/runs/{id}/approvals/{callId}', `/v1/runs/${waiting.id}/approvals/nope`, { headers: json, body: '{"approve":true}' })).status).toBe(404);
    expect((await stack.client.result(waiting.id)).output).toBe('42');

    // Errors, each as documented.
    expect((await call('POST', '/v1/runs', '/v1/runs', { headers: json, body: JSON.stringify({ input: 42 }) })).status).toBe(400);
    expect((await call('POST', '/v1/runs', '/v1/runs', { headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
    expect((await call('POST', '/v1/runs', '/v1/runs', { headers: { ...auth, 'content-type': 'text/plain' }, body: '{"input":"hi"}' })).status).toBe(415);
    expect((await call('GET', '/v1/runs', '/v1/runs?limit=0', { headers: auth })).status).toBe(400);
    expect((await call('GET', '/v1/runs/{id}', '/v1/runs/run_0000000000000000', { headers: auth })).status).toBe(404);
    expect((await call('GET', '/v1/runs/{id}', '/v1/runs/nope', { headers: auth })).status).toBe(404);
    expect((await call('GET', '/v1/runs/{id}/events', `/v1/runs/${id}/events`, { headers: { ...auth, 'last-event-id': 'yesterday' } })).status).toBe(400);
    expect((await call('GET', '/v1/runs/{id}/events', `/v1/runs/${toCancel.id}/events?token=${encodeURIComponent(viewerToken)}`)).status).toBe(403);
    // A run terminated before any worker ran it has nothing to carry on: 409, not 500 (a queue with no worker).
    const idle = await startApiProcess(testEnv('openapi-idle'), { port: 0 });
    try {
      const queued = (await (await fetch(`${idle.url}/v1/runs`, { method: 'POST', headers: json, body: JSON.stringify({ input: 'never runs', model: quick, tools: [] }) })).json()) as { id: string };
      await stack.temporal.workflow.getHandle(queued.id).terminate('test: before it ran');
      const refusedResume = await fetch(`${idle.url}/v1/runs/${queued.id}/resume`, { method: 'POST', headers: auth });
      expect(refusedResume.status).toBe(409);
      expect(await refusedResume.json()).toMatchObject({ error: { type: 'conflict', message: expect.stringMatching(/ended before it started/) } });
    } finally {
      await idle.close();
    }
    // An empty Last-Event-ID is no id at all: from the start.
    const fromStart = await call('GET', '/v1/runs/{id}/events', `/v1/runs/${id}/events`, { headers: { ...auth, 'last-event-id': '' } });
    expect((fromStart.body as { type: string }[])[0]?.type).toBe('run.started');
  });

  it('threads: create, message, read, stream, viewer token, close', async () => {
    const model = `openai:${await registerScript({ turns: [{ text: 'hello there' }] })}`;
    const created = await call('POST', '/v1/threads', '/v1/threads', { headers: json, body: JSON.stringify({ model, tools: [] }) });
    expect(created.status).toBe(201);
    const { id } = created.body as { id: string };
    const sent = await call('POST', '/v1/threads/{id}/messages', `/v1/threads/${id}/messages`, { headers: json, body: JSON.stringify({ input: 'hi' }) });
    expect(sent.status).toBe(202);
    await stack.client.result((sent.body as { runId: string }).runId);
    expect((await call('GET', '/v1/threads/{id}', `/v1/threads/${id}`, { headers: auth })).status).toBe(200);
    expect((await call('POST', '/v1/threads/{id}/viewer-token', `/v1/threads/${id}/viewer-token`, { headers: auth })).status).toBe(201);
    expect((await call('POST', '/v1/threads/{id}/close', `/v1/threads/${id}/close`, { headers: auth })).status).toBe(202);
    const streamed = await call('GET', '/v1/threads/{id}/events', `/v1/threads/${id}/events`, { headers: auth });
    expect((streamed.body as { type: string }[]).at(-1)?.type).toBe('thread.closed');
    expect((await call('POST', '/v1/threads/{id}/messages', `/v1/threads/${id}/messages`, { headers: json, body: JSON.stringify({ input: 'late' }) })).status).toBe(409);
    expect((await call('GET', '/v1/threads/{id}', '/v1/threads/thr_00000000000000000000000000', { headers: auth })).status).toBe(404);
  });

  it('catalogue, codec, operations, pages; 405 with Allow for an undeclared method', async () => {
    expect((await call('GET', '/v1/tools', '/v1/tools', { headers: auth })).status).toBe(200);
    expect((await call('GET', '/v1/agents', '/v1/agents', { headers: auth })).status).toBe(200);
    const payloads = JSON.stringify({ payloads: [{ metadata: { encoding: 'anNvbi9wbGFpbg==' }, data: 'eyJ4IjoxfQ==' }] });
    expect((await call('POST', '/v1/codec/encode', '/v1/codec/encode', { headers: json, body: payloads })).status).toBe(200);
    expect((await call('POST', '/v1/codec/decode', '/v1/codec/decode', { headers: json, body: payloads })).status).toBe(200);
    for (const path of ['/healthz', '/metrics', '/openapi.json', '/docs', '/', '/assets/viewer.js', '/assets/runs-list.js', '/assets/viewer.css']) {
      expect((await call('GET', path, path)).status, path).toBe(200);
    }
    expect((await call('GET', '/runs/{id}', '/runs/run_0000000000000000?token=x')).status).toBe(200);
    expect((await call('GET', '/threads/{id}', '/threads/thr_00000000000000000000000000?token=x')).status).toBe(200);
    expect((await call('GET', '/assets/thread.js', '/assets/thread.js')).status).toBe(200);

    const refused = await fetch(`${stack.api.url}/v1/runs`, { method: 'DELETE', headers: auth });
    expect(refused.status).toBe(405);
    expect(refused.headers.get('allow')).toBe('POST, GET, HEAD');
    expect(await refused.json()).toMatchObject({ error: { type: 'method_not_allowed' } });
  });

  it('every success answer the document lists was seen', () => {
    const listed = Object.values(document.paths).flatMap((methods) =>
      Object.values(methods).flatMap((operation) => Object.keys(operation.responses).filter((status) => status.startsWith('2')).map((status) => `${operation.operationId} ${status}`)),
    );
    expect(listed.filter((answer) => !seen.has(answer))).toEqual([]);
  });

  it('a 413 or a 415 leaves the connection usable: the next request on the same keep-alive agent is answered', async () => {
    const agent = new Agent({ connections: 1, pipelining: 1 });
    try {
      const send = (path: string, init: RequestInit) => fetch(`${stack.api.url}${path}`, { ...init, dispatcher: agent } as RequestInit);
      // Above the 64 KB limit of every body but a run's, and far above what fits in one socket buffer.
      const tooLarge = await send('/v1/threads', { method: 'POST', headers: json, body: JSON.stringify({ instructions: 'x'.repeat(200 * 1024) }) });
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.headers.get('connection')).toBe('close');
      expect(await tooLarge.json()).toMatchObject({ error: { type: 'payload_too_large' } });
      expect((await send('/healthz', {})).status).toBe(200);
      const notJson = await send('/v1/runs', { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: 'x'.repeat(100 * 1024) });
      expect(notJson.status).toBe(415);
      expect(await notJson.json()).toMatchObject({ error: { type: 'unsupported_media_type' } });
      expect((await send('/healthz', {})).status).toBe(200);
    } finally {
      await agent.close();
    }
  });
});
