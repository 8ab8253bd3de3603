import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ParsedRunEvent, RunEventOf } from '../../src/protocol/index.js';
import { registerScript, startTestStack, testApiKey, type TestStack } from '../support/test-stack.js';

const computeScript = (then: { text: string; expectToolResults: string[] }) =>
  registerScript({ turns: [{ text: 'Computing.', toolCalls: [{ name: 'calculator', arguments: { expression: '6*7' } }] }, then] });

/** Waits for the run's first approval request and returns it. */
async function requested(stack: TestStack, runId: string): Promise<RunEventOf<'tool.approval_requested'>> {
  for await (const { event } of stack.client.subscribe(runId)) {
    if (event.type === 'tool.approval_requested') return event;
  }
  throw new Error('the run ended without asking');
}

describe('approvals from the terminal', () => {
  let stack: TestStack;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    stack = await startTestStack('approvals-cli');
    env = { ...process.env, RUNSTREAM_API_URL: stack.api.url, RUNSTREAM_API_KEY: testApiKey };
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('runstream approve decides for scripts: --deny --reason, then a second decision fails with 409', async () => {
    const model = await computeScript({ text: 'I may not compute.', expectToolResults: ['not today'] });
    const run = await stack.client.enqueue({ input: 'compute', model: `openai:${model}`, tools: ['calculator'], requireApproval: ['calculator'] });
    const request = await requested(stack, run.id);
    const cli = (args: string[]) =>
      promisify(execFile)('node', ['bin/runstream.js', 'approve', run.id, request.callId, ...args], { env, timeout: 60_000 }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
    const denied = await cli(['--deny', '--reason', 'not today']);
    expect(denied).toMatchObject({ code: 0 });
    expect(JSON.parse(denied.stdout)).toEqual({ callId: request.callId, approved: false });
    const again = await cli([]);
    expect(again.code).toBe(2);
    // Decided already, or (the model answered meanwhile) the run ended: either way nothing changes.
    expect(again.stderr).toMatch(/^runstream: 409 conflict: (tool call .* was already decided: it was denied by api-key:[0-9a-f]{16}|run .* already ended completed)/);
    const events: ParsedRunEvent[] = [];
    for await (const { event } of stack.client.subscribe(run.id)) events.push(event);
    expect(events.find((event) => event.type === 'tool.approval_resolved')).toMatchObject({ approved: false, reason: 'not today' });
    expect(events.at(-1)).toMatchObject({ type: 'run.completed', result: { output: 'I may not compute.' } });
  });

  it('run --follow on a terminal asks "approve calculator({...})? [y/N]" and decides', async () => {
    const model = await computeScript({ text: 'The answer is 42.', expectToolResults: ['42'] });
    // `script` gives the CLI a real pseudo-terminal; what we write to its stdin is typed at that terminal.
    const command = `node bin/runstream.js run compute --model openai:${model} --tools calculator --require-approval calculator --follow`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
    await vi.waitFor(() => expect(output).toContain('approve calculator({"expression":"6*7"})? [y/N]'), { timeout: 60_000, interval: 50 });
    child.stdin.write('y\n');
    expect(await exited).toBe(0);
    expect(output).toMatch(/approved by api-key:[0-9a-f]{16}/);
    expect(output).toContain('The answer is 42.');
    expect(output).toMatch(/✓ calculator → /);
  });
});
