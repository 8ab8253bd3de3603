import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedRunEvent } from '../../src/protocol/index.js';
import { findChromium } from '../../src/services/binaries.js';
import { registerScript, startTestStack, testApiKey, type TestStack } from '../support/test-stack.js';

/**
 * Approve / Deny on the viewer page in Chromium: buttons under a waiting call
 * only when the tab holds an API key (the list page keeps it in
 * sessionStorage); a page with only the run's viewer token shows the wait.
 */
describe('viewer page approvals (chromium)', { timeout: 120_000 }, () => {
  let stack: TestStack;
  let browser: Browser;
  beforeAll(async () => {
    stack = await startTestStack('browser-approvals');
    const executablePath = findChromium();
    if (!executablePath) throw new Error('Chromium is missing: run `npx runstream setup --browser` (or set CHROMIUM_PATH)');
    browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('a viewer token shows the wait without buttons; with an API key the page approves one call and denies the other with a reason', async () => {
    const model = await registerScript({
      turns: [
        { text: 'Two sums.', toolCalls: [{ name: 'calculator', arguments: { expression: '6*7' } }, { name: 'calculator', arguments: { expression: '1+1' } }] },
        { text: 'Done.', expectToolResults: ['42', 'not now'] },
      ],
    });
    const run = await stack.client.enqueue({ input: 'two sums', model: `openai:${model}`, tools: ['calculator'], requireApproval: 'all' });
    const url = `${stack.api.url}/runs/${run.id}?token=${encodeURIComponent(run.viewerToken)}`;

    const viewerOnly = await (await browser.newContext()).newPage();
    await viewerOnly.goto(url);
    await viewerOnly.waitForFunction(() => document.querySelectorAll('.tool.waiting').length === 2, undefined, { timeout: 50_000 });
    expect(await viewerOnly.textContent('.tool.waiting .tool-title')).toContain('waiting for approval');
    expect(await viewerOnly.locator('.approval button').count()).toBe(0);
    expect(await viewerOnly.textContent('#status')).toBe('waiting');

    const keyHolderContext = await browser.newContext();
    await keyHolderContext.addInitScript((key) => sessionStorage.setItem('runstream.apiKey', key), testApiKey);
    const page = await keyHolderContext.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(url);
    const callOf = (expression: string) =>
      page.locator('.tool', { has: page.locator('.tool-args', { hasText: expression }) });
    const product = callOf('6*7');
    const sum = callOf('1+1');
    await product.locator('.approval button.approve').waitFor({ state: 'visible', timeout: 50_000 });
    await product.locator('.approval button.approve').click();
    await sum.locator('.approval-reason').fill('not now');
    await sum.locator('.approval button.deny').click();

    await page.waitForSelector('body[data-status="completed"]', { timeout: 50_000 });
    expect(await product.locator('.tool-result').textContent()).toContain('42');
    expect(await product.locator('.tool-title').textContent()).toMatch(/approved by api-key:[0-9a-f]{16}/);
    expect(await sum.locator('.tool-title').textContent()).toMatch(/denied by api-key:[0-9a-f]{16}: not now/);
    expect(await page.locator('.approval:not([hidden])').count()).toBe(0);
    expect(pageErrors).toEqual([]);
    // The viewer-only page followed the decisions made elsewhere.
    await viewerOnly.waitForSelector('body[data-status="completed"]', { timeout: 50_000 });

    const events: ParsedRunEvent[] = [];
    for await (const { event } of stack.client.subscribe(run.id)) events.push(event);
    expect(events.filter((event) => event.type === 'tool.approval_resolved').map((event) => event.type === 'tool.approval_resolved' && event.approved).sort()).toEqual([false, true]);
    expect((await stack.client.result(run.id)).output).toBe('Done.');
  });
});
