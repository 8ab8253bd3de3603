import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerScript, startTestStack, testApiKey, type TestStack } from '../support/test-stack.js';

const run = promisify(execFile);

describe('the CLI follows runs through the client; its exit code is the final status', () => {
  let stack: TestStack;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    stack = await startTestStack('api-cli');
    env = { ...process.env, RUNSTREAM_API_URL: stack.api.url, RUNSTREAM_API_KEY: testApiKey };
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const cli = (args: string[]) =>
    run('node', ['bin/runstream.js', ...args], { env }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  it('run --follow: the answer on stdout, progress as plain lines on stderr (not a terminal), exit 0', async () => {
    const model = await registerScript({
      turns: [
        { text: 'Computing.', toolCalls: [{ name: 'calculator', arguments: { expression: '6*7' } }] },
        { text: 'It is 42.' },
      ],
    });
    const followed = await cli(['run', 'What is 6*7?', '--model', `openai:${model}`, '--follow']);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toBe('Computing.\nIt is 42.\n');
    expect(followed.stderr).toContain('… running calculator\n');
    expect(followed.stderr).not.toContain('\r');
    expect(followed.stderr).toMatch(/✔ completed · 2 steps/);
  });

  it('run --output-schema --follow: only the structured output on stdout, the streamed text on stderr; a mismatch exits 1', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'runstream-cli-'));
    const schemaFile = join(directory, 'schema.json');
    writeFileSync(schemaFile, JSON.stringify({ type: 'object', properties: { product: { type: 'number' } }, required: ['product'] }));
    const model = await registerScript({
      turns: [
        { text: 'Computing.', toolCalls: [{ name: 'calculator', arguments: { expression: '6*7' } }] },
        { text: '{"product": 42}' },
      ],
    });
    const followed = await cli(['run', 'What is 6*7?', '--model', `openai:${model}`, '--output-schema', schemaFile, '--follow']);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toBe('{\n  "product": 42\n}\n');
    expect(followed.stderr).toContain('Computing.\n');
    expect(followed.stderr).toContain('{"product": 42}\n');
    expect(followed.stderr).toMatch(/✔ completed · 2 steps/);

    const wrong = await registerScript({ turns: [{ text: '{"product": "forty-two"}' }] });
    const failed = await cli(['run', 'What is 6*7?', '--model', `openai:${wrong}`, '--output-schema', schemaFile, '--follow']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toContain('✗ failed · StructuredOutputError: the final answer does not match the output schema: product: Invalid input: expected number, received string');

    writeFileSync(join(directory, 'broken.json'), '{"type": ');
    const broken = await cli(['run', 'hi', '--output-schema', join(directory, 'broken.json')]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^runstream: --output-schema: .*broken\.json is not JSON/);
    writeFileSync(join(directory, 'list.json'), '{"type": "array"}');
    const notObject = await cli(['run', 'hi', '--output-schema', join(directory, 'list.json')]);
    expect(notObject.code).toBe(2);
    expect(notObject.stderr).toMatch(/^runstream: 400 invalid_request: output\.schema: the schema must describe an object/);
  });

  it('watch: a run stopped from outside exits 1; a completed one 0, also from --after', async () => {
    const slow = await registerScript({ turns: [{ text: 'slow '.repeat(250), delayMs: 20 }] });
    const stopped = await stack.client.enqueue({ input: 'stop me', model: `openai:${slow}`, tools: [] });
    for await (const { event } of stack.client.subscribe(stopped.id)) if (event.type === 'text.delta') break;
    await stack.temporal.workflow.getHandle(stopped.id).terminate('test');
    expect((await cli(['watch', stopped.id])).code).toBe(1);

    const quick = await registerScript({ turns: [{ text: 'Done quickly.' }] });
    const done = await stack.client.enqueue({ input: 'quick', model: `openai:${quick}`, tools: [] });
    const events = [];
    for await (const entry of stack.client.subscribe(done.id)) events.push(entry);
    const watched = await cli(['watch', done.id, '--after', events[0]!.id]);
    expect(watched.code).toBe(0);
    expect(watched.stdout).toBe('Done quickly.\n');
  });
});
