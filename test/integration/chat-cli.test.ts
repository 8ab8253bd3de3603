import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerScript, startTestStack, testApiKey, type TestStack } from '../support/test-stack.js';

/** `runstream chat` as a user runs it: the built CLI, lines on stdin, answers on stdout. */
function startChat(stack: TestStack, args: string[]) {
  const child = spawn('node', ['bin/runstream.js', 'chat', ...args], {
    env: { ...process.env, RUNSTREAM_API_URL: stack.api.url, RUNSTREAM_API_KEY: testApiKey },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (out.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()));
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
  const until = async (condition: () => boolean) => {
    while (!condition()) {
      if (child.exitCode !== null) throw new Error(`chat exited early: ${out.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return { child, out, exited, until };
}

describe('runstream chat', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('chat-cli');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers each line as a turn of one thread, on stdout; Ctrl-C cancels the answer, not the thread', async () => {
    const long = Array.from({ length: 400 }, (_, index) => `w${index}`).join(' ');
    const model = await registerScript({
      turns: [{ text: 'unused' }],
      replies: {
        'I am Ada.': [{ text: 'Hello Ada.' }],
        'Talk for a long time.': [{ text: long, chunkSize: 4, delayMs: 10 }],
        'Who am I?': [{ text: 'You are Ada.', expectEarlier: ['user: I am Ada.', 'assistant: Hello Ada.', 'user: Talk for a long time.'] }],
      },
    });
    const chat = startChat(stack, ['--model', `openai:${model}`]);
    chat.child.stdin.write('I am Ada.\n');
    await chat.until(() => chat.out.stdout.includes('Hello Ada.'));
    chat.child.stdin.write('Talk for a long time.\n');
    await chat.until(() => chat.out.stdout.includes('w20 '));
    chat.child.kill('SIGINT');
    await chat.until(() => chat.out.stderr.includes('cancelled'));
    chat.child.stdin.write('Who am I?\n');
    chat.child.stdin.end();
    expect(await chat.exited).toBe(0);

    const threadId = /thread (thr_[0-9a-f]{26})/.exec(chat.out.stderr)?.[1];
    expect(threadId).toBeDefined();
    expect(chat.out.stdout.startsWith('Hello Ada.\n')).toBe(true);
    expect(chat.out.stdout.trimEnd().endsWith('You are Ada.')).toBe(true);
    expect(chat.out.stdout).not.toContain(long); // cut short
    expect(chat.out.stderr).toContain(`carry on with: runstream chat --thread ${threadId}`);
    // The chat ends on the last turn's run.completed; the thread hears its turn's run close a moment later.
    await vi.waitFor(async () => expect(await stack.client.threads.open(threadId!).get()).toMatchObject({ turns: 3, status: 'idle' }), { timeout: 10_000 });
    const turns = await Promise.all([1, 2, 3].map((turn) => stack.client.get(`run_${threadId!.slice(4)}t${turn}`)));
    expect(turns.map((run) => run.status)).toEqual(['completed', 'cancelled', 'completed']);
    await stack.client.threads.open(threadId!).close();
  });

  it('refuses an unknown thread with one clear line', async () => {
    const chat = startChat(stack, ['--thread', 'thr_00000000000000000000000000']);
    chat.child.stdin.end();
    expect(await chat.exited).not.toBe(0);
    expect(chat.out.stderr).toMatch(/thread thr_00000000000000000000000000 not found/);
  });
});
