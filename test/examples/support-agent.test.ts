import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createClient } from '../../src/client/index.js';
import type { LoggedEvent } from '../../src/protocol/index.js';
import { freePort } from '../../src/services/free-port.js';
import { collect } from '../support/transcript-replay.js';

const example = resolve('examples/support-agent');
const apiKey = 'example-test-key';

/** What `npm install` does for the example's `file:../..` dependency: a link to this checkout. */
function linkRunstream(): void {
  const link = join(example, 'node_modules', 'runstream');
  if (existsSync(link)) return;
  mkdirSync(join(example, 'node_modules'), { recursive: true });
  symlinkSync('../../..', link, 'dir');
}

describe('examples/support-agent: runstream dev in the example folder, a run of its agent', () => {
  let dev: ChildProcess;
  let apiUrl: string;
  let env: NodeJS.ProcessEnv;
  const stderr: string[] = [];

  beforeAll(async () => {
    linkRunstream();
    const suffix = Math.random().toString(36).slice(2, 10);
    // No model key: the agent runs on the demo model, as for a user trying the example. The suite's Temporal and
    // Redis stand in for the ones `runstream dev` would otherwise start, so the test stays quick.
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      REDIS_URL: inject('redisUrl'),
      RUNSTREAM_TASK_QUEUE: `example-${suffix}`,
      RUNSTREAM_KEY_PREFIX: `example:${suffix}:`,
      RUNSTREAM_API_KEYS: apiKey,
    };
    const port = await freePort();
    dev = spawn(process.execPath, ['node_modules/runstream/bin/runstream.js', 'dev', '--no-demo', '--port', String(port)], { cwd: example, env });
    apiUrl = await new Promise<string>((resolveUrl, reject) => {
      dev.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        stderr.push(chunk);
        const url = stderr.join('').match(/API {10}(http:\/\/\S+)/)?.[1];
        if (url && stderr.join('').includes('runstream is running')) resolveUrl(url);
      });
      dev.once('exit', (code) => reject(new Error(`runstream dev exited ${code}:\n${stderr.join('')}`)));
    });
  });
  afterAll(async () => {
    if (dev && dev.exitCode === null) {
      const exited = new Promise((done) => dev.once('exit', done));
      dev.kill('SIGINT');
      await exited;
    }
  });

  it('loads the config: one tool, one agent, the MCP server\'s tool', async () => {
    expect(stderr.join('')).toContain('config runstream.config.ts: 1 tool, 1 agent, 1 MCP server');
    type Answer = { agents: { name: string; tools: string[] }[]; mcpServers: { name: string; state: string }[] };
    const read = async () => (await (await fetch(`${apiUrl}/v1/agents`, { headers: { authorization: `Bearer ${apiKey}` } })).json()) as Answer;
    expect((await read()).agents).toMatchObject([{ name: 'support', tools: ['lookup_order', 'faq_search'] }]);
    // On a busy machine the FAQ server may miss the first attempt's timeout; the worker retries it.
    await vi.waitFor(async () => expect((await read()).mcpServers).toMatchObject([{ name: 'faq', state: 'ready' }]), { timeout: 60_000, interval: 200 });
  });

  it('a run with agent "support" calls the typed tool (progress seen) and the MCP tool, and streams the answer', async () => {
    const client = createClient({ url: apiUrl, apiKey });
    const run = await client.enqueue({ input: 'Where is order 1042? What is your refund policy in the faq?', agent: 'support' });
    const events: LoggedEvent[] = await collect(client.subscribe(run.id));
    const of = <Type extends LoggedEvent['event']['type']>(type: Type) =>
      events.flatMap((entry) => (entry.event.type === type ? [entry.event as Extract<LoggedEvent['event'], { type: Type }>] : []));

    expect(of('run.started')[0]).toMatchObject({ agent: 'support', model: 'demo', tools: ['lookup_order', 'faq_search'], modelSettings: { temperature: 0.2 } });
    expect(of('tool.progress').map((event) => [event.name, event.progress])).toEqual([
      ['lookup_order', { stage: 'searching', orderId: '1042' }],
      ['lookup_order', { stage: 'found', orderId: '1042' }],
    ]);
    const finished = of('tool.finished');
    expect(finished.find((event) => event.name === 'lookup_order')).toMatchObject({ isError: false, result: { orderId: '1042', status: 'shipped' } });
    expect(finished.find((event) => event.name === 'faq_search')).toMatchObject({ isError: false, result: expect.stringContaining('Refunds are paid within 14 days') });
    const completed = of('run.completed')[0];
    expect(completed?.result.output).toContain('shipped');
    expect(completed?.result.output).toContain('Refunds are paid within 14 days');
    // The answer arrived as deltas, not in one piece.
    expect(of('text.delta').filter((event) => event.step === 2).length).toBeGreaterThan(3);
  });

  it('the README\'s command: runstream run --agent support --follow, from the example folder', async () => {
    const { stdout, stderr: progress } = await promisify(execFile)(
      process.execPath,
      ['node_modules/runstream/bin/runstream.js', 'run', 'Where is order 7?', '--agent', 'support', '--follow'],
      { cwd: example, env },
    );
    expect(progress).toContain('agent support');
    expect(progress).toContain('running lookup_order');
    expect(stdout).toContain('"status":"shipped"');
  });
});
