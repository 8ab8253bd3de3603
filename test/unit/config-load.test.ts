import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { configSchema } from '../../src/worker/config-schema.js';
import { describeIssue, findConfigFile, loadConfig } from '../../src/worker/load-config.js';

const fixtures = resolve('test/fixtures/configs');
const load = (file: string) => loadConfig({ path: join(fixtures, file), cwd: fixtures, env: {} });

/** What a config that fails validation says: the one line the worker prints. */
function problem(config: unknown): string {
  const parsed = configSchema.safeParse(config);
  if (parsed.success) throw new Error('expected the config to be rejected');
  return describeIssue(parsed.error.issues[0], config);
}

const tool = (overrides: Record<string, unknown> = {}) => ({
  name: 'lookup',
  description: 'Looks something up.',
  parameters: z.object({ q: z.string() }),
  retry: 'idempotent',
  execute: async () => 'ok',
  ...overrides,
});

describe('runstream.config loading', () => {
  it('loads a TypeScript config through tsx: tools as written, agents as catalogue JSON (zod output → JSON Schema)', async () => {
    const config = await load('valid.config.ts');
    expect(config?.file).toBe('valid.config.ts');
    expect(config?.tools.map((tool) => tool.name)).toEqual(['lookup_order']);
    expect(config?.tools[0]?.timeoutMs).toBe(5_000);
    expect(config?.agents).toEqual([
      {
        name: 'support',
        description: 'Answers questions about orders.',
        model: 'openai:gpt-test',
        instructions: 'You are a support agent.',
        tools: ['lookup_order', 'calculator', 'docs_search'],
        maxSteps: 5,
        output: { schema: expect.objectContaining({ type: 'object', required: ['answer'] }) },
        modelSettings: { temperature: 0.2, maxOutputTokens: 500 },
      },
    ]);
    expect(config?.mcpServers).toEqual([{ name: 'docs', url: 'http://127.0.0.1:9/mcp' }]);
  });

  it('loads a plain JavaScript config', async () => {
    const config = await load('plain.config.mjs');
    expect(config?.agents[0]).toEqual({ name: 'triage', tools: ['current_time'], modelSettings: { seed: 7 } });
    expect(config?.mcpServers[0]).toEqual({ name: 'files', command: 'node', args: ['server.mjs'] });
  });

  it('finds --config first, then RUNSTREAM_CONFIG, then runstream.config.* in the working directory, else none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runstream-config-'));
    expect(findConfigFile({ cwd: dir, env: {} })).toBeUndefined();
    writeFileSync(join(dir, 'runstream.config.mjs'), 'export default {};\n');
    writeFileSync(join(dir, 'other.mjs'), 'export default {};\n');
    writeFileSync(join(dir, 'third.mjs'), 'export default {};\n');
    expect(findConfigFile({ cwd: dir, env: {} })).toBe(join(dir, 'runstream.config.mjs'));
    expect(findConfigFile({ cwd: dir, env: { RUNSTREAM_CONFIG: 'other.mjs' } })).toBe(join(dir, 'other.mjs'));
    expect(findConfigFile({ cwd: dir, path: 'third.mjs', env: { RUNSTREAM_CONFIG: 'other.mjs' } })).toBe(join(dir, 'third.mjs'));
    expect(() => findConfigFile({ cwd: dir, path: 'missing.ts', env: {} })).toThrow('missing.ts: no such config file (--config)');
  });

  it('a config that throws, or exports nothing, stops with one line naming the file', async () => {
    const thrown = await load('throws.config.ts').catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toBe('throws.config.ts: failed to load: RUNSTREAM_TEST_NEVER_SET is required by this config');
    await expect(load('no-default.config.ts')).rejects.toThrow(/^no-default\.config\.ts: no default export/);
  });

  it('names the field of each bad definition', () => {
    expect(problem({ tools: [tool({ name: 'get weather' })] })).toBe(
      'tools[0] ("get weather").name: invalid tool name "get weather" (letters, digits, _ and -, at most 64 characters)',
    );
    expect(problem({ tools: [tool(), tool()] })).toBe('tools[1] ("lookup").name: duplicate tool name "lookup"');
    expect(problem({ tools: [tool({ name: 'calculator' })] })).toBe('tools[0] ("calculator").name: "calculator" is a built-in tool\'s name');
    expect(problem({ tools: [tool({ parameters: { type: 'object' } })] })).toBe(
      'tools[0] ("lookup").parameters: parameters must be a zod schema, e.g. z.object({ … })',
    );
    expect(problem({ tools: [tool({ parameters: z.string() })] })).toBe('tools[0] ("lookup").parameters: parameters must be an object schema: z.object({ … })');
    expect(problem({ tools: [tool({ retry: 'always' })] })).toBe('tools[0] ("lookup").retry: retry must be "idempotent" or "at-most-once"');
    expect(problem({ tools: [tool({ timeoutMs: 10 })] })).toBe('tools[0] ("lookup").timeoutMs: timeoutMs must be at least 1000');
    expect(configSchema.safeParse({ tools: [tool({ needsApproval: true, approvalTimeoutMs: 60_000 })] }).success).toBe(true);
    expect(configSchema.safeParse({ tools: [tool({ needsApproval: (args: { amount: number }) => args.amount > 100 })] }).success).toBe(true);
    expect(problem({ tools: [tool({ needsApproval: 'yes' })] })).toBe('tools[0] ("lookup").needsApproval: needsApproval must be a boolean or a function of the arguments');
    expect(problem({ tools: [tool({ needsApproval: true, approvalTimeoutMs: 10 })] })).toBe('tools[0] ("lookup").approvalTimeoutMs: approvalTimeoutMs must be at least 1000');
    expect(problem({ tools: [tool({ timeout: 5 })] })).toMatch(/^tools\[0\] \("lookup"\): Unrecognized key: "timeout"/);
  });

  it('names the field of a bad agent or MCP server', () => {
    expect(problem({ agents: [{ name: 'a', tools: ['nope'] }] })).toBe('agents[0] ("a").tools[0]: unknown tool "nope"; known: calculator, current_time');
    expect(problem({ mcpServers: [{ name: 'docs', url: 'http://x/mcp' }], agents: [{ name: 'a', tools: ['other_search'] }] })).toBe(
      'agents[0] ("a").tools[0]: unknown tool "other_search"; known: calculator, current_time, or <server>_<tool> for MCP servers docs',
    );
    expect(problem({ agents: [{ name: 'a', modelSettings: { temperature: 7 } }] })).toBe('agents[0] ("a").modelSettings.temperature: temperature must be at most 2');
    expect(problem({ agents: [{ name: 'a', model: 'anthropic:claude-x', modelSettings: { seed: 1 } }] })).toMatch(
      /^agents\[0\] \("a"\)\.modelSettings\.seed: the Anthropic Messages API takes no seed/,
    );
    expect(problem({ agents: [{ name: 'a', model: 'gpt-4' }] })).toMatch(/^agents\[0\] \("a"\)\.model: unknown model "gpt-4"/);
    expect(problem({ agents: [{ name: 'a' }, { name: 'a' }] })).toBe('agents[1] ("a").name: duplicate agent name "a"');
    expect(problem({ agents: [{ name: 'a', budget: { maxToolCalls: -1 } }] })).toBe('agents[0] ("a").budget.maxToolCalls: maxToolCalls must be at least 0');
    expect(problem({ agents: [{ name: 'a', budget: { maxTokens: 3 } }] })).toBe('agents[0] ("a").budget: Unrecognized key: "maxTokens"');
    expect(problem({ mcpServers: [{ name: 'docs' }] })).toBe('mcpServers[0] ("docs"): an MCP server needs a url (Streamable HTTP) or a command (stdio)');
    expect(problem({ mcpServers: [{ name: 'my_docs', url: 'http://x' }] })).toBe('mcpServers[0] ("my_docs").name: an MCP server name is 1 to 32 letters, digits or -');
    expect(problem({ mcpServers: [{ name: 'docs', url: 'ftp://x' }] })).toBe('mcpServers[0] ("docs").url: url must be an http:// or https:// URL');
    expect(problem({ toolz: [] })).toBe('(config): Unrecognized key: "toolz"');
  });
});

describe('runstream worker / dev with a bad config', () => {
  // Unreachable servers: a CLI that got past the config would fail differently (or hang), not print the config's line.
  const env = { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1', REDIS_URL: 'redis://127.0.0.1:1', RUNSTREAM_CONFIG: '' };
  const cli = (args: string[]) =>
    promisify(execFile)('node', ['bin/runstream.js', ...args], { env, timeout: 60_000 }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  it('exits 2 with one line naming the file and the field, before connecting to anything', async () => {
    for (const [file, line] of [
      ['bad-tool.config.ts', 'tools[0] ("get weather").name: invalid tool name "get weather" (letters, digits, _ and -, at most 64 characters)'],
      ['bad-approval.config.mjs', 'tools[0] ("refund").needsApproval: needsApproval must be a boolean or a function of the arguments'],
      ['throws.config.ts', 'failed to load: RUNSTREAM_TEST_NEVER_SET is required by this config'],
    ] as const) {
      for (const command of ['worker', 'dev']) {
        const result = await cli([command, '--config', `test/fixtures/configs/${file}`]);
        expect(result.code, `${command} ${file}: ${result.stderr}`).toBe(2);
        expect(result.stdout).toBe('');
        const lines = result.stderr.split('\n').filter(Boolean);
        expect(lines, result.stderr).toHaveLength(1);
        expect(lines[0]).toMatch(new RegExp(`^runstream: test/fixtures/configs/${file.replace(/\./g, '\\.')}: `));
        expect(lines[0]).toContain(line);
      }
    }
  });
});
