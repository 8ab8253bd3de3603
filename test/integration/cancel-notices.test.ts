import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { announceCancel, CancelNotices } from '../../src/bus/cancel-notices.js';
import { registerScript, startTestStack, type TestStack } from '../support/test-stack.js';

describe('cancel notices (real Redis, real Temporal, local LLM server)', () => {
  let stack: TestStack;
  let notices: CancelNotices;
  let commands: Redis;
  beforeAll(async () => {
    stack = await startTestStack('cancel-notices');
    notices = new CancelNotices(new Redis(stack.env.REDIS_URL), stack.env.RUNSTREAM_KEY_PREFIX);
    commands = new Redis(stack.env.REDIS_URL);
    await notices.ready();
  });
  afterAll(async () => {
    notices?.close();
    commands?.disconnect();
    await stack?.stop();
  });

  it('reach the watchers of that run only, until they stop watching', async () => {
    const heard: string[] = [];
    const stopA = notices.watch('run_aaaaaaaaaa', () => heard.push('a'));
    const stopB = notices.watch('run_bbbbbbbbbb', () => heard.push('b'));
    await announceCancel(commands, stack.env.RUNSTREAM_KEY_PREFIX, 'run_aaaaaaaaaa');
    await vi.waitFor(() => expect(heard).toEqual(['a']));
    stopA();
    await announceCancel(commands, stack.env.RUNSTREAM_KEY_PREFIX, 'run_aaaaaaaaaa');
    await announceCancel(commands, stack.env.RUNSTREAM_KEY_PREFIX, 'run_bbbbbbbbbb');
    await vi.waitFor(() => expect(heard).toEqual(['a', 'b']));
    stopB();
  });

  it('go out when the API accepts a cancel, and the run still ends cancelled with its partial text', async () => {
    const text = Array.from({ length: 400 }, (_, index) => `w${index}`).join(' ');
    const model = await registerScript({ turns: [{ text, chunkSize: 5, delayMs: 20 }] });
    const run = await stack.client.enqueue({ input: 'talk for a long time', model: `openai:${model}`, tools: [] });
    const heard: string[] = [];
    const stop = notices.watch(run.id, () => heard.push(run.id));
    let partial: string | undefined;
    for await (const { event } of stack.client.subscribe(run.id)) {
      if (heard.length === 0 && event.type === 'text.delta' && event.offset >= 50 && partial === undefined) {
        partial = '';
        await stack.client.cancel(run.id);
        // The notice is published before the answer.
        expect(heard).toEqual([run.id]);
      }
      if (event.type === 'run.cancelled') partial = event.partial;
    }
    stop();
    expect(partial!.length).toBeGreaterThanOrEqual(50);
    expect(text.startsWith(partial!)).toBe(true);
  });
});
