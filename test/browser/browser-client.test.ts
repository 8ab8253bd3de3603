import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as ClientModuleValue from '../../src/client/index.js';
import { bundleForBrowser } from '../../scripts/browser-bundle.js';
import { startApiProcess, tokenSecret, type ApiProcess } from '../../src/processes/api-process.js';
import type { LoggedEvent } from '../../src/protocol/index.js';
import { ViewerTokens } from '../../src/server/viewer-token.js';
import { freePort } from '../../src/services/free-port.js';
import { launchChromium, servePages, type PageServer } from '../support/browser.js';
import { registerScript, startTestStack, testApiKey, type TestStack } from '../support/test-stack.js';

type ClientModule = typeof ClientModuleValue;
interface PageRun {
  ids: string[];
  types: string[];
  reconnects: number;
  tokenCalls: number;
  done: boolean;
  error?: string;
}
declare global {
  interface Window {
    run: PageRun;
    runstream: ClientModule;
  }
}

/**
 * runstream/client in Chromium, bundled by esbuild for the browser platform
 * (a Node built-in anywhere in its imports fails the bundle): a page on
 * another origin holds only a run's viewer token, subscribes, and resumes
 * after the API restarts; a token source is asked again when its token expired.
 */
describe('browser client (chromium)', { timeout: 120_000 }, () => {
  let stack: TestStack;
  let browser: Browser;
  let api: ApiProcess | undefined;
  let apiUrl: string;
  let port: number;
  let app: PageServer;
  const startApi = () => startApiProcess(stack.env, { port, cors: { viewerOrigins: [app.origin], keyOrigins: [] } });

  beforeAll(async () => {
    stack = await startTestStack('browser-client');
    const client = await bundleForBrowser('runstream/client');
    const page = `<!doctype html><title>app</title><script type="module">import * as runstream from '/client.js'; window.runstream = runstream;</script>`;
    app = await servePages({ files: { '/index.html': page, '/client.js': client.code } });
    port = await freePort();
    api = await startApi();
    apiUrl = api.url;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await app?.close();
    await stack?.stop();
  });

  /** In the page: a key-less client subscribes with `token` (a string, or a list handed out one per call). */
  async function subscribeInPage(page: Page, runId: string, tokens: string[], asFunction: boolean) {
    await page.evaluate(
      async ({ apiUrl, runId, tokens, asFunction }) => {
        const state: PageRun = { ids: [], types: [], reconnects: 0, tokenCalls: 0, done: false };
        window.run = state;
        const client = window.runstream.createClient({ url: apiUrl, reconnectDelayMs: 100 });
        const token = asFunction ? () => tokens[Math.min(state.tokenCalls++, tokens.length - 1)]! : tokens[0]!;
        void (async () => {
          try {
            for await (const { id, event } of client.subscribe(runId, { token, onReconnect: () => state.reconnects++ })) {
              state.ids.push(id);
              state.types.push(event.type);
            }
          } catch (error) {
            state.error = `${(error as Error).name}: ${(error as Error).message}`;
          }
          state.done = true;
        })();
      },
      { apiUrl, runId, tokens, asFunction },
    );
  }

  async function fullLog(runId: string): Promise<LoggedEvent[]> {
    const events: LoggedEvent[] = [];
    for await (const entry of stack.client.subscribe(runId)) events.push(entry);
    return events;
  }

  it('subscribes with only a viewer token and resumes across an API restart, every event once', async () => {
    const answer = Array.from({ length: 120 }, (_, index) => `w${index}`).join(' ');
    const model = await registerScript({ turns: [{ text: answer, delayMs: 25 }] });
    const run = await stack.client.enqueue({ input: 'in a browser', model: `openai:${model}`, tools: [] });
    const page = await browser.newPage();
    page.setDefaultTimeout(50_000);
    await page.goto(`${app.origin}/`);
    await page.waitForFunction(() => window.runstream !== undefined);
    await subscribeInPage(page, run.id, [run.viewerToken], false);
    await page.waitForFunction(() => window.run.types.filter((type) => type === 'text.delta').length > 10);
    await api!.close();
    api = undefined;
    await page.waitForFunction(() => window.run.reconnects > 0);
    api = await startApi();
    await page.waitForFunction(() => window.run.done);
    const state = await page.evaluate(() => window.run);
    expect(state.error).toBeUndefined();
    expect(state.ids).toEqual((await fullLog(run.id)).map((entry) => entry.id));
    expect(state.types.at(-1)).toBe('run.completed');
    await page.close();
  });

  it('asks a token source again when its token expired; a plain expired token is a 401 error, not a retry loop', async () => {
    const model = await registerScript({ turns: [{ text: 'renewed' }] });
    const run = await stack.client.enqueue({ input: 'renew', model: `openai:${model}`, tools: [] });
    await stack.client.result(run.id);
    const expired = new ViewerTokens(tokenSecret(process.env, [testApiKey])).issue(run.id, Date.now() - 3_600_000).token;
    const page = await browser.newPage();
    page.setDefaultTimeout(50_000);
    await page.goto(`${app.origin}/`);
    await page.waitForFunction(() => window.runstream !== undefined);

    await subscribeInPage(page, run.id, [expired, run.viewerToken], true);
    await page.waitForFunction(() => window.run.done);
    const renewed = await page.evaluate(() => window.run);
    expect(renewed.error).toBeUndefined();
    expect(renewed).toMatchObject({ tokenCalls: 2, reconnects: 1 });
    expect(renewed.types.at(-1)).toBe('run.completed');

    await subscribeInPage(page, run.id, [expired], false);
    await page.waitForFunction(() => window.run.done);
    const refused = await page.evaluate(() => window.run);
    expect(refused.error).toMatch(/^RunstreamApiError: viewer token expired/);
    expect(refused.reconnects).toBe(0);
    await page.close();
  });
});
