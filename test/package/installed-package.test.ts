import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerScript, startTestStack, type TestStack } from '../support/test-stack.js';

const exec = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const exportNames = ['.', './client', './worker', './events', './react'] as const;
const specifier = (name: (typeof exportNames)[number]) => (name === '.' ? 'runstream' : `runstream/${name.slice(2)}`);

/**
 * The package as a user gets it: `npm pack` (which builds), the tarball
 * installed into an empty project from the registry, then used from plain
 * Node: no tsx, no sources, only `dist/` and the bin.
 */
describe('the packed tarball, installed into an empty project', () => {
  let scratch: string;
  let consumer: string;
  let tarball: { filename: string; size: number; files: { path: string }[] };
  const installed = () => join(consumer, 'node_modules', 'runstream');

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'runstream-package-'));
    const { stdout } = await exec('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    tarball = (JSON.parse(stdout) as (typeof tarball)[])[0]!;
    consumer = join(scratch, 'consumer');
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    // React is runstream/react's optional peer dependency: an app that uses the hooks has it.
    await exec('npm', ['install', '--no-audit', '--no-fund', join(scratch, tarball.filename), 'react@19.3.1'], { cwd: consumer, maxBuffer: 16 * 1024 * 1024 });
  }, 300_000);
  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('ships the compiled code, the bin and the README, and no sources or tests', () => {
    const paths = tarball.files.map((file) => file.path);
    expect(paths).toContain('bin/runstream.js');
    expect(paths).toContain('README.md');
    expect(paths).toContain('dist/src/cli/main.js');
    expect(paths).toContain('dist/workflows/index.js');
    expect(paths.filter((path) => !/^(dist\/|bin\/runstream\.js$|README\.md$|package\.json$)/.test(path))).toEqual([]);
    expect(paths.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
  });

  it.each(exportNames)('export %s: its JavaScript and its .d.ts exist, and plain Node imports it', async (name) => {
    const manifest = JSON.parse(readFileSync(join(installed(), 'package.json'), 'utf8')) as { exports: Record<string, { types: string; default: string }> };
    const entry = manifest.exports[name]!;
    expect(existsSync(join(installed(), entry.types))).toBe(true);
    expect(existsSync(join(installed(), entry.default))).toBe(true);
    const script = `const m = await import(${JSON.stringify(specifier(name))}); console.log(JSON.stringify(Object.keys(m).sort()));`;
    const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', script], { cwd: consumer });
    const names = JSON.parse(stdout) as string[];
    const expected = { '.': ['createClient', 'defineTool'], './client': ['createClient', 'RunFailedError'], './worker': ['defineTool', 'startWorker'], './events': ['runEventSchema'], './react': ['useRun', 'RunStore'] }[name];
    expect(names).toEqual(expect.arrayContaining(expected));
  });

  it('the declarations type a consumer: wrong uses fail to compile, right ones pass', async () => {
    // Each @ts-expect-error fails the compile if the type under it were `any` or missing.
    writeFileSync(
      join(consumer, 'consumer.ts'),
      `import { createClient, type RunstreamClient } from 'runstream/client';
import { defineTool, startWorker, type WorkerProcess } from 'runstream/worker';
import { runEventSchema, type RunEvent } from 'runstream/events';
import { createClient as fromRoot } from 'runstream';
import { z } from 'zod';

export const client: RunstreamClient = createClient({ url: 'http://127.0.0.1:8787', apiKey: 'key' });
export const same: typeof createClient = fromRoot;
// @ts-expect-error the options are required
createClient();
export const kind: RunEvent['type'] = runEventSchema.parse({}).type;
// @ts-expect-error not an event type
export const unknownKind: RunEvent['type'] = 'no.such.event';
export const tool = defineTool({
  name: 'lookup',
  description: 'Looks a word up',
  parameters: z.object({ word: z.string() }),
  retry: 'idempotent',
  execute: async ({ word }, ctx) => {
    ctx.progress({ looking: word });
    // @ts-expect-error word is a string
    const length: number = word;
    return { word, length, key: ctx.idempotencyKey };
  },
});
export const worker: Promise<WorkerProcess> = startWorker({ env: {} });
`,
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2023',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(root, 'node_modules', '@types')],
        },
        files: ['consumer.ts'],
      }),
    );
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const result = await exec(process.execPath, [tsc, '-p', consumer], { cwd: consumer }).then(
      () => '',
      (error: { stdout: string }) => error.stdout,
    );
    expect(result).toBe('');
  }, 180_000);

  it('`npx runstream --help` runs the compiled bin', async () => {
    const { stdout, stderr } = await exec('npx', ['--no-install', 'runstream', '--help'], { cwd: consumer });
    expect(stdout).toContain('runstream worker');
    expect(stderr).toBe('');
    expect(readFileSync(join(installed(), 'bin', 'runstream.js'), 'utf8')).toContain('dist/src/cli/main.js');
  });

  describe('`runstream worker` from node_modules/.bin', () => {
    let stack: TestStack;
    let worker: ChildProcess | undefined;
    let workerOutput = '';
    beforeAll(async () => {
      stack = await startTestStack('installed-package', { deferWorker: true });
    });
    afterAll(async () => {
      if (worker && worker.exitCode === null) {
        const exited = new Promise((resolve) => worker!.once('exit', resolve));
        worker.kill('SIGTERM');
        await exited;
      }
      await stack?.stop();
    });

    it('bundles the compiled workflows and completes a run with a tool call', async () => {
      const env = stack.env;
      worker = spawn(join(consumer, 'node_modules', '.bin', 'runstream'), ['worker'], {
        cwd: consumer,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS,
          REDIS_URL: env.REDIS_URL,
          RUNSTREAM_TASK_QUEUE: env.RUNSTREAM_TASK_QUEUE,
          RUNSTREAM_KEY_PREFIX: env.RUNSTREAM_KEY_PREFIX,
          // Transcripts live in the blob store: the worker and the suite's API must share it.
          RUNSTREAM_BLOB_DIR: env.RUNSTREAM_BLOB_DIR,
          OPENAI_API_KEY: env.OPENAI_API_KEY,
          OPENAI_BASE_URL: env.OPENAI_BASE_URL,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      worker.stdout!.on('data', (chunk: Buffer) => (workerOutput += chunk.toString()));
      worker.stderr!.on('data', (chunk: Buffer) => (workerOutput += chunk.toString()));

      const model = await registerScript({
        turns: [{ text: 'Computing.', toolCalls: [{ name: 'calculator', arguments: { expression: '6*7' } }] }, { text: 'It is 42.' }],
      });
      const run = await stack.client.enqueue({ input: 'What is 6*7?', model: `openai:${model}` });
      const exited = new Promise<never>((_, reject) => worker!.once('exit', (code) => reject(new Error(`the worker exited (${code}):\n${workerOutput}`))));
      const result = await Promise.race([stack.client.result(run.id), exited]);
      expect(result.output, workerOutput).toBe('It is 42.');
      expect(result.messages.find((message) => message.role === 'tool')).toMatchObject({ name: 'calculator' });
      expect(workerOutput).toContain(`worker polling task queue ${env.RUNSTREAM_TASK_QUEUE}`);
      expect(workerOutput).not.toContain('tsx');
    }, 180_000);
  });
});
