import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/services/free-port.js';
import { launchChromium } from '../support/browser.js';
import { registerScript, startTestStack, testApiKey, type TestStack } from '../support/test-stack.js';

const root = resolve(import.meta.dirname, '../..');
const example = join(root, 'examples/web-app');

/** What `npm install` does for the example's `file:../..` dependency: a link to this checkout. */
function linkRunstream(): void {
  const link = join(example, 'node_modules', 'runstream');
  if (existsSync(link)) return;
  mkdirSync(join(example, 'node_modules'), { recursive: true });
  symlinkSync('../../..', link, 'dir');
}

/** Runs a child until `ready` appears on its stderr; rejects with its output if it exits first. */
function startChild(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; ready: RegExp | 'exit' }): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  if (process.env.DEBUG_WEB_APP) child.once('exit', (code) => console.error(`${args.join(' ')} exited ${code}:\n${output.join('')}`));
  return new Promise((resolveChild, reject) => {
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (options.ready !== 'exit' && options.ready.test(output.join(''))) resolveChild(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      if (options.ready === 'exit' && code === 0) resolveChild(child);
      else reject(new Error(`${args.join(' ')} exited ${code}:\n${output.join('')}`));
    });
  });
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
}

/**
 * examples/web-app as a user runs it: the page built by Vite, served by the
 * example's own backend (which holds the API key and hands out viewer
 * tokens), streaming from a `runstream api` process on another origin. The
 * API process is restarted mid-run, after the page's first token expired.
 */
describe('examples/web-app (chromium): a Vite + React page shows a run live', { timeout: 120_000 }, () => {
  let stack: TestStack;
  let browser: Browser;
  let api: ChildProcess | undefined;
  let app: ChildProcess | undefined;
  let apiEnv: NodeJS.ProcessEnv;
  let apiPort: number;
  let appUrl: string;
  const startApi = () => startChild(['bin/runstream.js', 'api', '--port', String(apiPort)], { cwd: root, env: apiEnv, ready: /runstream API on/ });

  beforeAll(async () => {
    stack = await startTestStack('web-app');
    linkRunstream();
    await startChild([join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: example, env: { ...process.env, NODE_ENV: 'production' }, ready: 'exit' });
    [apiPort] = [await freePort()];
    const appPort = await freePort();
    appUrl = `http://127.0.0.1:${appPort}`;
    const strings = Object.entries(stack.env).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
    apiEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...Object.fromEntries(strings),
      RUNSTREAM_CORS_ORIGINS: appUrl,
      // Short-lived tokens, so the page must renew one during the run.
      RUNSTREAM_VIEWER_TOKEN_TTL_SECONDS: '10',
    };
    api = await startApi();
    app = await startChild(['server.mjs'], {
      cwd: example,
      env: { PATH: process.env.PATH, RUNSTREAM_API_URL: `http://127.0.0.1:${apiPort}`, RUNSTREAM_API_KEY: testApiKey, PORT: String(appPort) },
      ready: /example app on/,
    });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stopChild(app);
    await stopChild(api);
    await stack?.stop();
  });

  async function openPage(): Promise<Page> {
    const page = await browser.newPage();
    page.setDefaultTimeout(50_000);
    return page;
  }

  it('typechecks with its own tsconfig against runstream/react\'s declarations', async () => {
    await startChild([join(root, 'node_modules/typescript/bin/tsc'), '-p', example], { cwd: example, env: process.env, ready: 'exit' });
  });

  it('shows exactly the final transcript after the API process restarts mid-run, with a renewed token', async () => {
    const answer = Array.from({ length: 400 }, (_, index) => `word${index}`).join(' ') + '. The result is 126.';
    const model = await registerScript({
      turns: [
        { reasoning: 'I should use the calculator.', text: 'Let me compute.', toolCalls: [{ name: 'calculator', arguments: { expression: '(17+25)*3' } }] },
        { text: answer, delayMs: 40 },
      ],
    });
    await stopChild(api);
    api = await startChild(['bin/runstream.js', 'api', '--port', String(apiPort)], { cwd: root, env: { ...apiEnv, RUNSTREAM_MODEL: `openai:${model}` }, ready: /runstream API on/ });
    const page = await openPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    if (process.env.DEBUG_WEB_APP) page.on('console', (message) => console.error('page:', message.text()));
    await page.goto(appUrl);
    await page.fill('#prompt', 'What is (17+25)*3?');
    await page.click('button[type="submit"]');
    await page.waitForFunction(() => (document.querySelector('.step[data-step="2"] .text')?.textContent ?? '').length > 80);
    // The first token lives 10 s: the page renews it before then, and the reconnect below needs the new one.
    await page.waitForSelector('body[data-renewals]');
    await stopChild(api);
    await page.waitForSelector('body[data-connection="reconnecting"]');
    api = await startChild(['bin/runstream.js', 'api', '--port', String(apiPort)], { cwd: root, env: { ...apiEnv, RUNSTREAM_MODEL: `openai:${model}` }, ready: /runstream API on/ });
    await page.waitForSelector('body[data-status="completed"]');
    expect(await page.getAttribute('body', 'data-connection')).toBe('live');

    const runId = new URL(page.url()).searchParams.get('run')!;
    const result = await stack.client.result(runId);
    const assistant = result.messages.filter((message) => message.role === 'assistant');
    expect(await page.$$eval('.step .text', (nodes) => nodes.map((node) => node.textContent))).toEqual(assistant.map((message) => message.content));
    expect(result.output).toBe(answer);
    expect(await page.textContent('.step[data-step="1"] .tool-args')).toContain('(17+25)*3');
    expect(await page.textContent('.step[data-step="1"] .tool-result')).toContain('126');
    expect(await page.textContent('.step[data-step="1"] .reasoning p')).toBe('I should use the calculator.');
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('shows a 2,000-delta run whole, and reports how often the panel rendered', async () => {
    const text = Array.from({ length: 2000 }, (_, index) => `d${index}`).join(' ');
    const model = await registerScript({ turns: [{ text, delayMs: 1 }] });
    const run = await stack.client.enqueue({ input: 'long', model: `openai:${model}`, tools: [] });
    const page = await openPage();
    await page.goto(`${appUrl}/?run=${run.id}`);
    await page.waitForSelector('body[data-status="completed"]');
    expect(await page.textContent('.step[data-step="1"] .text')).toBe(text);
    let deltas = 0;
    for await (const { event } of stack.client.subscribe(run.id)) if (event.type === 'text.delta') deltas++;
    const renders = Number(await page.getAttribute('body', 'data-renders'));
    // Measured, not asserted: the store publishes once per task, so deltas that arrive together are one render.
    console.log(`web-app: ${deltas} text deltas, RunPanel rendered ${renders} times (production build)`);
    expect(deltas).toBe(2000);
    await page.close();
  });
});
