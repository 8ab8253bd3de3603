import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LoggedEvent } from '../../src/protocol/index.js';
import { freePort } from '../../src/services/free-port.js';
import { startGarbageServer, startHttpMcpServer, type HttpMcpServer } from '../support/mcp-docs-server.js';
import { collect } from '../support/transcript-replay.js';
import { countWorkflowsOnQueue, postRunBody, registerScript, startTestStack, testApiKey, type TestStack } from '../support/test-stack.js';

type McpStatus = { name: string; transport: string; state: string; tools: number; attempts: number; error?: string };
type ToolsAnswer = { tools: { name: string; source: string; retry: string; parameters: Record<string, unknown> }[]; mcpServers: McpStatus[] };

describe('MCP servers: real SDK servers over Streamable HTTP and stdio', () => {
  let stack: TestStack;
  let docs: HttpMcpServer;
  let garbage: HttpMcpServer;
  let late: HttpMcpServer | undefined;
  let latePort: number;
  const logged: string[] = [];

  beforeAll(async () => {
    docs = await startHttpMcpServer('http');
    garbage = await startGarbageServer();
    latePort = await freePort();
    stack = await startTestStack('mcp', {
      log: (line) => logged.push(line),
      mcp: { initialDelayMs: 200, maxDelayMs: 1_000, requestTimeoutMs: 15_000 },
      config: {
        mcpServers: [
          { name: 'docs', url: docs.url },
          // The SDK's StdioServerTransport in a child process the worker starts.
          { name: 'local', command: process.execPath, args: ['--import', 'tsx', resolve('test/support/mcp-docs-server.ts'), 'stdio'] },
          // Nothing listens there yet: the worker must start anyway and keep trying.
          { name: 'late', url: `http://127.0.0.1:${latePort}/mcp` },
          { name: 'garbage', url: garbage.url },
          // A program that talks, but not MCP.
          { name: 'noisy', command: process.execPath, args: ['-e', 'console.log("hello there"); setInterval(() => {}, 1000)'] },
        ],
      },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await Promise.all([docs?.close(), garbage?.close(), late?.close()]);
  });

  const toolsAnswer = async () =>
    (await (await fetch(`${stack.api.url}/v1/tools`, { headers: { authorization: `Bearer ${testApiKey}` } })).json()) as ToolsAnswer;
  const status = (answer: ToolsAnswer, name: string) => answer.mcpServers.find((server) => server.name === name);

  async function runCalling(tool: string, args: Record<string, unknown>) {
    const model = await registerScript({ turns: [{ text: 'Checking.', toolCalls: [{ name: tool, arguments: args }] }, { text: 'Done.' }] });
    const run = await stack.client.enqueue({ input: 'Look it up.', model: `openai:${model}`, tools: [tool] });
    const events: LoggedEvent[] = await collect(stack.client.subscribe(run.id));
    const result = await stack.client.result(run.id);
    const finished = events.flatMap((entry) => (entry.event.type === 'tool.finished' ? [entry.event] : []));
    const progress = events.flatMap((entry) => (entry.event.type === 'tool.progress' ? [entry.event.progress] : []));
    return { run, events, result, finished: finished[0], progress };
  }

  it('lists the servers\' tools as <server>_<tool>; the down and the garbage server are reported, not fatal', async () => {
    // On a busy machine the stdio server (started through tsx) may miss the first attempt's timeout; it is retried.
    await vi.waitFor(
      async () => {
        const answer = await toolsAnswer();
        expect([status(answer, 'docs')?.state, status(answer, 'local')?.state]).toEqual(['ready', 'ready']);
      },
      { timeout: 60_000, interval: 200 },
    );
    const answer = await toolsAnswer();
    const mcpTools = answer.tools.filter((tool) => tool.source === 'mcp').map((tool) => [tool.name, tool.retry]);
    expect(mcpTools.sort()).toEqual([
      ['docs_lookup', 'at-most-once'],
      ['docs_search', 'idempotent'],
      ['local_lookup', 'at-most-once'],
      ['local_search', 'idempotent'],
    ]);
    expect(answer.tools.find((tool) => tool.name === 'docs_search')?.parameters).toMatchObject({
      type: 'object',
      properties: { query: { type: 'string' } },
      required: ['query'],
    });
    expect(status(answer, 'docs')).toMatchObject({ transport: 'http', state: 'ready', tools: 2 });
    expect(status(answer, 'local')).toMatchObject({ transport: 'stdio', state: 'ready', tools: 2 });
    expect(status(answer, 'late')).toMatchObject({ transport: 'http', state: 'retrying', tools: 0, error: expect.stringMatching(/fetch failed|ECONNREFUSED/) });
    expect(status(answer, 'garbage')).toMatchObject({ state: 'retrying', tools: 0, error: expect.stringContaining('Unexpected content type: text/html') });
    expect(status(answer, 'noisy')).toMatchObject({
      transport: 'stdio',
      state: 'retrying',
      tools: 0,
      error: expect.stringMatching(/^no MCP answer within 15 s; it answered something that is not MCP: .*"hello there" is not valid JSON/),
    });
    expect(logged.some((line) => line.startsWith('MCP server "garbage": unavailable ('))).toBe(true);
    // Retried with backoff, in the background.
    await vi.waitFor(async () => expect(status(await toolsAnswer(), 'garbage')?.attempts).toBeGreaterThanOrEqual(3), { timeout: 20_000 });
  });

  it('a run calls an MCP tool over HTTP: progress reaches viewers, the idempotency key travels in _meta', async () => {
    const { run, finished, progress, result } = await runCalling('docs_search', { query: 'refunds' });
    expect(progress).toEqual([
      { progress: 1, total: 2, message: 'index opened' },
      { progress: 2, total: 2, message: 'ranked' },
    ]);
    expect(finished).toMatchObject({ name: 'docs_search', isError: false });
    const callId = finished!.callId;
    expect(finished!.result).toEqual({ query: 'refunds', hits: ['refunds: see chapter 4'], idempotencyKey: `${run.id}:${callId}`, server: 'http' });
    expect(result.output).toBe('Done.');
  });

  it('a run calls an MCP tool over stdio', async () => {
    const { run, finished, progress } = await runCalling('local_search', { query: 'invoices' });
    expect(progress).toHaveLength(2);
    expect(finished).toMatchObject({ name: 'local_search', isError: false });
    expect(finished!.result).toMatchObject({ hits: ['invoices: see chapter 4'], idempotencyKey: `${run.id}:${finished!.callId}`, server: 'stdio' });
  });

  it('an MCP error result is a tool error the model reads, and the run goes on', async () => {
    for (const tool of ['docs_lookup', 'local_lookup']) {
      const { finished, result } = await runCalling(tool, { pageId: 'p-9' });
      expect(finished).toMatchObject({ name: tool, isError: true, result: { error: 'page p-9 does not exist' } });
      // The transcript sent to the model's next step carries the error as the tool's answer.
      const toolMessage = result.messages.find((message) => message.role === 'tool');
      expect(toolMessage).toMatchObject({ name: tool, isError: true, content: JSON.stringify({ error: 'page p-9 does not exist' }) });
      expect(result.output).toBe('Done.');
    }
  });

  it('arguments the server\'s schema refuses come back as a tool error too', async () => {
    const { finished } = await runCalling('docs_search', { query: 42 });
    expect(finished).toMatchObject({ name: 'docs_search', isError: true });
    expect(JSON.stringify(finished!.result)).toMatch(/query/);
  });

  it('naming a tool of a server that is not ready is a 400 that says why; nothing starts', async () => {
    const before = await countWorkflowsOnQueue(stack);
    for (const [tool, server] of [['garbage_search', 'garbage'], ['late_search', 'late']]) {
      const response = await postRunBody(stack, { input: 'hi', tools: [tool] });
      expect(response.status).toBe(400);
      const json = (await response.json()) as { error: { issues: { path: string; message: string }[] } };
      expect(json.error.issues[0]?.path).toBe('tools');
      expect(json.error.issues[0]?.message).toContain(`unknown tool "${tool}"`);
      expect(json.error.issues[0]?.message).toContain(`MCP server "${server}" is retrying`);
    }
    expect(await countWorkflowsOnQueue(stack)).toBe(before);
  });

  it('a server that was down at worker start joins once it is up, and its tools run', async () => {
    late = await startHttpMcpServer('late', latePort);
    await vi.waitFor(async () => expect(status(await toolsAnswer(), 'late')).toMatchObject({ state: 'ready', tools: 2 }), { timeout: 20_000 });
    expect((await toolsAnswer()).tools.map((tool) => tool.name)).toContain('late_search');
    const { finished } = await runCalling('late_search', { query: 'shipping' });
    expect(finished).toMatchObject({ name: 'late_search', isError: false, result: { server: 'late' } });
  });
});
