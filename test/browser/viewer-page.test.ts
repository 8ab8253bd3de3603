import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiProcess, type ApiProcess } from '../../src/processes/api-process.js';
import { findChromium } from '../../src/services/binaries.js';
import { freePort } from '../../src/services/free-port.js';
import { registerScript, startTestStack, testApiKey, type TestStack } from '../support/test-stack.js';

/**
 * The viewer page in Chromium against the real stack. The page is
 * served by its own API process, which the test restarts on the same port in
 * the middle of a run, to cut the page's connection and restore it.
 */
describe('viewer page (chromium)', { timeout: 120_000 }, () => {
  let stack: TestStack;
  let browser: Browser;
  let context: BrowserContext;
  let pageApi: ApiProcess | undefined;
  let port: number;
  beforeAll(async () => {
    stack = await startTestStack('browser-viewer');
    port = await freePort();
    pageApi = await startApiProcess(stack.env, { port });
    // `npm test` installs it first (runstream setup --browser); run alone, say how.
    const executablePath = findChromium();
    if (!executablePath) throw new Error('Chromium is missing: run `npx runstream setup --browser` (or set CHROMIUM_PATH)');
    browser = await chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    context = await browser.newContext();
    // Every wait below is for a condition; this only bounds how long a loaded machine may take to reach it.
    context.setDefaultTimeout(50_000);
  });
  afterAll(async () => {
    await browser?.close();
    await pageApi?.close();
    await stack?.stop();
  });

  it('streams a live run: the text shown equals the final output, across an API restart', async () => {
    const answer = Array.from({ length: 160 }, (_, index) => `word${index}`).join(' ') + '. The result is 126.';
    const model = await registerScript({
      turns: [
        { reasoning: 'I should use the calculator.', text: 'Let me compute.', toolCalls: [{ name: 'calculator', arguments: { expression: '(17+25)*3' } }] },
        { text: answer, delayMs: 25 },
      ],
    });
    const run = await stack.client.enqueue({ input: 'What is (17+25)*3?', model: `openai:${model}` });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`http://127.0.0.1:${port}/runs/${run.id}?token=${encodeURIComponent(run.viewerToken)}`);

    // Mid-answer: stop the API the page streams from, see the page notice, bring it back on the same port.
    await page.waitForFunction(() => (document.querySelector('.step[data-step="2"] .text')?.textContent ?? '').length > 80);
    await pageApi!.close();
    pageApi = undefined;
    await page.waitForSelector('body[data-connection="reconnecting"]');
    pageApi = await startApiProcess(stack.env, { port });
    await page.waitForSelector('body[data-connection="live"]');

    await page.waitForSelector('body[data-status="completed"]');
    const result = await stack.client.result(run.id);
    expect(await page.textContent('.step[data-step="2"] .text')).toBe(result.output);
    expect(result.output).toBe(answer);
    // The timeline: the tool call with its arguments and result, reasoning folded, usage per step.
    expect(await page.textContent('.step[data-step="1"] .tool-args')).toContain('(17+25)*3');
    expect(await page.textContent('.step[data-step="1"] .tool-result')).toContain('126');
    expect(await page.getAttribute('.step[data-step="1"] details.reasoning', 'open')).toBeNull();
    expect(await page.textContent('.step[data-step="1"] .reasoning-text')).toBe('I should use the calculator.');
    expect(await page.textContent('.step[data-step="2"] .usage')).toMatch(/in \/ \d+ out/);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('rolls reasoning back with the text on step.resumed: a regenerated step shows its reasoning once', async () => {
    const text = Array.from({ length: 80 }, (_, index) => `again${index}`).join(' ');
    const reasoning = 'Think it through once, carefully.';
    // Cut mid-answer; this stack's model cannot continue a partial message, so the step is regenerated, reasoning and all.
    const model = await registerScript({ turns: [{ reasoning, text, chunkSize: 4, delayMs: 10 }], failures: [{ status: 500, message: 'cut', cutAfterChunks: 30 }] });
    const run = await stack.client.enqueue({ input: 'think', model: `openai:${model}`, tools: [], durability: { retryInitialIntervalMs: 100 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`http://127.0.0.1:${port}/runs/${run.id}?token=${encodeURIComponent(run.viewerToken)}`);
    await page.waitForSelector('body[data-status="completed"]');
    const result = await stack.client.result(run.id);
    expect(await page.textContent('.step[data-step="1"] .text')).toBe(result.output);
    expect(await page.textContent('.step[data-step="1"] .note')).toMatch(/resumed \(attempt 2\) at character 0/);
    expect(await page.textContent('.step[data-step="1"] .reasoning-text')).toBe(reasoning);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('shows a thread: every turn with its answer, the live one as it streams, and the thread closed at the end', async () => {
    const long = Array.from({ length: 90 }, (_, index) => `turn${index}`).join(' ');
    const model = await registerScript({ turns: [{ text: 'unused' }], replies: { 'Hello?': [{ text: 'Hello to you.' }], 'Tell me more.': [{ text: long, delayMs: 25 }] } });
    const thread = await stack.client.threads.create({ model: `openai:${model}`, tools: [] });
    expect(thread.viewerUrl).toBe(`${stack.api.url}/threads/${thread.id}?token=${encodeURIComponent(thread.viewerToken!)}`);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`http://127.0.0.1:${port}/threads/${thread.id}?token=${encodeURIComponent(thread.viewerToken!)}`);
    await page.waitForSelector('body[data-connection="live"]');
    await thread.stream('Hello?').result;
    const second = thread.stream('Tell me more.');
    // The second turn shows while it streams, under the finished first one.
    await page.waitForFunction(() => (document.querySelector('.turn[data-turn="2"] .step .text')?.textContent ?? '').length > 30);
    expect(await page.getAttribute('.turn[data-turn="2"]', 'data-status')).toBe('running');
    expect((await second.result).output).toBe(long);
    await thread.close();
    await page.waitForSelector('body[data-status="closed"]');
    expect(await page.textContent('.turn[data-turn="1"] .turn-input')).toBe('Hello?');
    expect(await page.textContent('.turn[data-turn="1"] .step .text')).toBe('Hello to you.');
    expect(await page.textContent('.turn[data-turn="2"] .step .text')).toBe(long);
    expect(await page.getAttribute('.turn[data-turn="2"]', 'data-status')).toBe('completed');
    // Each turn links its own run's page, which the thread's token opens too.
    const runLink = await page.getAttribute('.turn[data-turn="1"] a.turn-run', 'href');
    await page.goto(`http://127.0.0.1:${port}${runLink}`);
    await page.waitForSelector('body[data-status="completed"]');
    expect(await page.textContent('.step[data-step="1"] .text')).toBe('Hello to you.');
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('lists recent runs with an API key kept in sessionStorage, and opens one with a fresh viewer token', async () => {
    const model = await registerScript({ turns: [{ text: 'Listed and opened.' }] });
    const run = await stack.client.enqueue({ input: 'list me', model: `openai:${model}`, tools: [] });
    await stack.client.result(run.id);
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.fill('#api-key', testApiKey);
    await page.click('#key-form button[type="submit"]');
    await page.waitForSelector(`#runs a:text("${run.id}")`);
    await page.click(`#runs a:text("${run.id}")`);
    await page.waitForSelector('body[data-status="completed"]');
    expect(page.url()).toContain(`/runs/${run.id}?token=v1.`);
    expect(await page.textContent('.step[data-step="1"] .text')).toBe('Listed and opened.');
    expect(await page.evaluate(() => sessionStorage.getItem('runstream.apiKey'))).toBe(testApiKey);
    await page.close();
  });
  it('shows a run\'s structured output under its summary', async () => {
    const model = await registerScript({ turns: [{ text: '{"product":126}' }] });
    const output = { schema: { type: 'object', properties: { product: { type: 'number' } }, required: ['product'] } };
    const run = await stack.client.enqueue({ input: 'What is (17+25)*3?', model: `openai:${model}`, tools: [], output });
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/runs/${run.id}?token=${encodeURIComponent(run.viewerToken)}`);
    await page.waitForSelector('body[data-status="completed"]');
    expect(JSON.parse((await page.textContent('#summary .structured-output')) ?? '')).toEqual({ product: 126 });
    await page.close();
  });
});
