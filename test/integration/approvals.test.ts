import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { ParsedRunEvent, RunEventOf } from '../../src/protocol/index.js';
import { defineTool } from '../../src/tools/tool.js';
import { ChildWorker } from '../chaos/child-worker.js';
import { childWorkerEnv, registerScript, startTestStack, testApiKey, type TestStack } from '../support/test-stack.js';

const sent: string[] = [];
const refunded: number[] = [];
const sendEmail = defineTool({
  name: 'send_email',
  description: 'Sends an email.',
  parameters: z.object({ to: z.string() }),
  retry: 'at-most-once',
  needsApproval: true,
  execute: async ({ to }) => {
    sent.push(to);
    return { sent: true, to };
  },
});
const refund = defineTool({
  name: 'refund',
  description: 'Refunds an amount.',
  parameters: z.object({ amount: z.number() }),
  retry: 'at-most-once',
  // Evaluated in the worker with the validated arguments: small refunds need no one.
  needsApproval: ({ amount }) => amount > 100,
  execute: async ({ amount }) => {
    refunded.push(amount);
    return { refunded: amount };
  },
});

type Requested = RunEventOf<'tool.approval_requested'>;

/** A run's events, collected in the background; `next` waits for one that matches. */
function follow(stack: TestStack, runId: string) {
  const events: ParsedRunEvent[] = [];
  const done = (async () => {
    for await (const { event } of stack.client.subscribe(runId)) events.push(event);
  })();
  const find = <T extends ParsedRunEvent>(match: (event: ParsedRunEvent) => event is T, count = 1): Promise<T[]> =>
    vi.waitFor(
      () => {
        const found = events.filter(match);
        if (found.length < count) throw new Error(`waiting for ${count} events`);
        return found;
      },
      { timeout: 60_000, interval: 50 },
    );
  const requested = (count = 1) => find((event): event is Requested => event.type === 'tool.approval_requested', count);
  return { events, done, find, requested };
}

const post = (stack: TestStack, path: string, body: unknown, authorization: string | null = `Bearer ${testApiKey}`) =>
  fetch(`${stack.api.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const closed = (stack: TestStack, runId: string) => stack.temporal.workflow.getHandle(runId).result().then(() => undefined, () => undefined);

describe('tool approvals (real Temporal, real Redis, local LLM server)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('approvals', { tools: [sendEmail, refund] });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('waits for a person, lists the call in GET and the run list, runs the tool once approved; a second decision is 409', async () => {
    sent.length = 0;
    const model = await registerScript({ turns: [{ text: 'Sending.', toolCalls: [{ name: 'send_email', arguments: { to: 'ana@example.com' } }] }, { text: 'Sent.', expectToolResults: ['"sent":true'] }] });
    const run = await stack.client.enqueue({ input: 'email ana', model: `openai:${model}`, tools: ['send_email'] });
    const watch = follow(stack, run.id);
    const [request] = await watch.requested();
    expect(request).toMatchObject({ name: 'send_email', arguments: { to: 'ana@example.com' }, step: 1 });
    expect(Date.parse(request!.expiresAt) - Date.parse(request!.at)).toBeGreaterThan(23 * 3_600_000);

    // The event goes out from the worker as the workflow starts waiting; GET follows within a workflow task.
    const details = await vi.waitFor(async () => {
      const answer = await stack.client.get(run.id);
      expect(answer.status).toBe('waiting');
      return answer;
    }, { timeout: 20_000 });
    expect(details.pendingApprovals).toEqual([{ step: 1, callId: request!.callId, name: 'send_email', arguments: { to: 'ana@example.com' }, expiresAt: request!.expiresAt }]);
    await vi.waitFor(async () => expect((await stack.client.list()).find((listed) => listed.id === run.id)).toMatchObject({ status: 'waiting', pendingApprovals: [{ callId: request!.callId }] }), { timeout: 20_000 });
    expect(sent).toEqual([]);

    expect(await stack.client.approve(run.id, request!.callId, { approve: true })).toEqual({ callId: request!.callId, approved: true });
    await expect(stack.client.approve(run.id, request!.callId, { approve: false })).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/already decided: it was approved by api-key:/) });
    expect((await stack.client.result(run.id)).output).toBe('Sent.');
    await watch.done;
    expect(sent).toEqual(['ana@example.com']);
    const resolved = watch.events.find((event) => event.type === 'tool.approval_resolved');
    expect(resolved).toMatchObject({ callId: request!.callId, approved: true, decidedBy: expect.stringMatching(/^api-key:[0-9a-f]{16}$/) });
    // Resolved before the tool started, and the key itself is nowhere in the run's history.
    const types = watch.events.map((event) => event.type);
    expect(types.indexOf('tool.approval_resolved')).toBeLessThan(types.indexOf('tool.started'));
    const history = JSON.stringify((await stack.temporal.workflow.getHandle(run.id).fetchHistory()).events);
    expect(history).not.toContain(testApiKey);
    await closed(stack, run.id);
    expect((await stack.client.get(run.id)).pendingApprovals).toBeUndefined();
  });

  it('denied with a reason: the tool does not run and the model reads the reason; a needsApproval function lets small calls through', async () => {
    refunded.length = 0;
    const model = await registerScript({
      turns: [
        { text: 'Refunding.', toolCalls: [{ name: 'refund', arguments: { amount: 20 } }, { name: 'refund', arguments: { amount: 500 } }] },
        { text: 'Partly refunded.', expectToolResults: ['a person denied this call, saying: over the limit', '"refunded":20'] },
      ],
    });
    const run = await stack.client.enqueue({ input: 'refund', model: `openai:${model}`, tools: ['refund'] });
    const watch = follow(stack, run.id);
    const [request] = await watch.requested();
    expect(request).toMatchObject({ arguments: { amount: 500 } });
    // The small refund ran without waiting.
    const [small] = await watch.find((event): event is RunEventOf<'tool.finished'> => event.type === 'tool.finished');
    expect(small).toMatchObject({ result: { refunded: 20 } });
    const response = await post(stack, `/v1/runs/${run.id}/approvals/${small!.callId}`, { approve: true });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/needs no approval/);

    expect(await stack.client.approve(run.id, request!.callId, { approve: false, reason: 'over the limit' })).toEqual({ callId: request!.callId, approved: false });
    expect((await stack.client.result(run.id)).output).toBe('Partly refunded.');
    await watch.done;
    expect(refunded).toEqual([20]);
    expect(watch.events.find((event) => event.type === 'tool.approval_resolved')).toMatchObject({ approved: false, reason: 'over the limit' });
    expect(watch.events.filter((event) => event.type === 'tool.started')).toHaveLength(1);
  });

  it('expires after approvalTimeoutMs: denied by "timeout", the model is told, a late decision is 409', async () => {
    const model = await registerScript({ turns: [{ text: 'Computing.', toolCalls: [{ name: 'calculator', arguments: { expression: '6*7' } }] }, { text: 'No answer.', expectToolResults: ['expired'] }] });
    const run = await stack.client.enqueue({ input: 'compute', model: `openai:${model}`, tools: ['calculator'], requireApproval: ['calculator'], approvalTimeoutMs: 1_000 });
    const watch = follow(stack, run.id);
    const [request] = await watch.requested();
    expect((await stack.client.result(run.id)).output).toBe('No answer.');
    await watch.done;
    expect(watch.events.find((event) => event.type === 'tool.approval_resolved')).toMatchObject({ callId: request!.callId, approved: false, decidedBy: 'timeout' });
    expect(watch.events.some((event) => event.type === 'tool.started')).toBe(false);
    await closed(stack, run.id);
    await expect(stack.client.approve(run.id, request!.callId, { approve: true })).rejects.toMatchObject({ status: 409 });
  });

  it('two calls of one step wait independently: decided in reverse order, each runs when approved', async () => {
    sent.length = 0;
    const model = await registerScript({
      turns: [
        { text: 'Two emails.', toolCalls: [{ name: 'send_email', arguments: { to: 'first' } }, { name: 'send_email', arguments: { to: 'second' } }] },
        { text: 'Both sent.' },
      ],
    });
    const run = await stack.client.enqueue({ input: 'two emails', model: `openai:${model}`, tools: ['send_email'] });
    const watch = follow(stack, run.id);
    const requests = await watch.requested(2);
    const first = requests.find((event) => (event.arguments as { to: string }).to === 'first')!;
    const second = requests.find((event) => (event.arguments as { to: string }).to === 'second')!;
    await vi.waitFor(async () => expect((await stack.client.get(run.id)).pendingApprovals).toHaveLength(2), { timeout: 20_000 });

    await stack.client.approve(run.id, second.callId, { approve: true });
    await watch.find((event): event is RunEventOf<'tool.finished'> => event.type === 'tool.finished' && event.callId === second.callId);
    expect(sent).toEqual(['second']);
    const waiting = await stack.client.get(run.id);
    expect(waiting.status).toBe('waiting');
    expect(waiting.pendingApprovals?.map((pending) => pending.callId)).toEqual([first.callId]);

    await stack.client.approve(run.id, first.callId, { approve: true });
    expect((await stack.client.result(run.id)).output).toBe('Both sent.');
    expect(sent).toEqual(['second', 'first']);
  });

  it('cancel while waiting: the run ends cancelled and nothing ran', async () => {
    sent.length = 0;
    const model = await registerScript({ turns: [{ text: 'Sending.', toolCalls: [{ name: 'send_email', arguments: { to: 'nobody' } }] }, { text: 'never said' }] });
    const run = await stack.client.enqueue({ input: 'email', model: `openai:${model}`, tools: ['send_email'] });
    const watch = follow(stack, run.id);
    const [request] = await watch.requested();
    await stack.client.cancel(run.id);
    await watch.done;
    expect(watch.events.at(-1)?.type).toBe('run.cancelled');
    expect(watch.events.some((event) => event.type === 'tool.started')).toBe(false);
    await closed(stack, run.id);
    expect(sent).toEqual([]);
    const details = await stack.client.get(run.id);
    expect(details.status).toBe('cancelled');
    expect(details.pendingApprovals).toBeUndefined();
    await expect(stack.client.approve(run.id, request!.callId, { approve: true })).rejects.toMatchObject({ status: 409 });
  });

  it('a thread\'s turn waits like a run: the thread says waiting until the call is decided', async () => {
    sent.length = 0;
    const model = await registerScript({ turns: [{ text: 'Sending.', toolCalls: [{ name: 'send_email', arguments: { to: 'thread' } }] }, { text: 'Sent from the thread.' }] });
    const thread = await stack.client.threads.create({ model: `openai:${model}`, tools: ['send_email'] });
    const turn = await thread.send('email from a thread');
    const watch = follow(stack, turn.runId);
    const [request] = await watch.requested();
    await vi.waitFor(async () => expect((await thread.get()).status).toBe('waiting'), { timeout: 20_000 });
    await stack.client.approve(turn.runId, request!.callId, { approve: true });
    expect((await stack.client.result(turn.runId)).output).toBe('Sent from the thread.');
    expect(sent).toEqual(['thread']);
    await vi.waitFor(async () => expect((await thread.get()).status).toBe('idle'), { timeout: 20_000 });
    await thread.close();
  });

  it('refuses a viewer token (403), a body without approve (400), unknown calls and runs (404); nothing is decided', async () => {
    const model = await registerScript({ turns: [{ text: 'Sending.', toolCalls: [{ name: 'send_email', arguments: { to: 'bad-input' } }] }, { text: 'Done.' }] });
    const run = await stack.client.enqueue({ input: 'email', model: `openai:${model}`, tools: ['send_email'] });
    const watch = follow(stack, run.id);
    const [request] = await watch.requested();
    const path = `/v1/runs/${run.id}/approvals/${request!.callId}`;

    expect((await post(stack, `${path}?token=${encodeURIComponent(run.viewerToken)}`, { approve: true }, null)).status).toBe(403);
    expect((await post(stack, path, { approve: true }, `Bearer ${run.viewerToken}`)).status).toBe(403);
    expect((await post(stack, path, { approve: true }, 'Bearer not-a-key')).status).toBe(401);
    const missing = await post(stack, path, { reason: 'no verdict' });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: { type: 'invalid_request', issues: [{ path: 'approve' }] } });
    expect((await post(stack, path, { approve: 'yes' })).status).toBe(400);
    expect((await post(stack, path, '{not json')).status).toBe(400);
    expect((await post(stack, path, { approve: true, extra: 1 })).status).toBe(400);
    expect((await post(stack, `/v1/runs/${run.id}/approvals/call_unknown`, { approve: true })).status).toBe(404);
    expect((await post(stack, `/v1/runs/run_00000000000000000000/approvals/${request!.callId}`, { approve: true })).status).toBe(404);
    expect((await stack.client.get(run.id)).pendingApprovals).toHaveLength(1);

    // requireApproval may name only the run's own tools.
    const refused = await post(stack, '/v1/runs', { input: 'x', model: `openai:${model}`, tools: ['send_email'], requireApproval: ['calculator'] });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/requireApproval names a tool this run does not have: "calculator"/);
    expect((await post(stack, '/v1/runs', { input: 'x', requireApproval: 'some' })).status).toBe(400);

    await stack.client.approve(run.id, request!.callId, { approve: true });
    expect((await stack.client.result(run.id)).output).toBe('Done.');
    await watch.done;
  });
});

describe('a run waiting for approval survives its worker being killed', () => {
  let stack: TestStack;
  const workers: ChildWorker[] = [];
  const startWorker = async () => {
    const worker = new ChildWorker(childWorkerEnv(stack));
    workers.push(worker);
    await worker.start();
    return worker;
  };
  beforeAll(async () => {
    stack = await startTestStack('approvals-crash', { deferWorker: true });
  });
  afterAll(async () => {
    for (const worker of workers) await worker.stop();
    await stack?.stop();
  });

  it('lists the call with no worker up, and an approval after a new worker started runs the tool', async () => {
    const model = await registerScript({ turns: [{ text: 'Computing.', toolCalls: [{ name: 'calculator', arguments: { expression: '6*7' } }] }, { text: 'It is 42.', expectToolResults: ['42'] }] });
    const first = await startWorker();
    const run = await stack.client.enqueue({ input: 'compute', model: `openai:${model}`, tools: ['calculator'], requireApproval: 'all' });
    const watch = follow(stack, run.id);
    const [request] = await watch.requested();
    await vi.waitFor(async () => expect((await stack.client.get(run.id)).status).toBe('waiting'), { timeout: 20_000 });
    await first.kill();
    // The wait is in Temporal, not in the dead worker: the run still says what it waits for.
    expect(await stack.client.get(run.id)).toMatchObject({ status: 'waiting', pendingApprovals: [{ callId: request!.callId, name: 'calculator' }] });
    await startWorker();
    await stack.client.approve(run.id, request!.callId, { approve: true });
    expect((await stack.client.result(run.id)).output).toBe('It is 42.');
    await watch.done;
    expect(watch.events.filter((event) => event.type === 'tool.approval_requested')).toHaveLength(1);
    expect(watch.events.find((event) => event.type === 'tool.finished')).toMatchObject({ callId: request!.callId, isError: false });
  });
});
