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
interface PageThread {
  /** The folded thread after the last event: each turn's step texts and status. */
  turns: { runId: string; turn: number | undefined; status: string; text: string }[];
  status: string;
  events: number;
  reconnects: number;
  done: boolean;
  error?: string;
}
declare global {
  interface Window {
    run: PageRun;
    thread: PageThread;
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

  it('watches a thread with only its viewer token: every turn folded, across an API restart mid-turn, text exactly once', async () => {
    const long = Array.from({ length: 100 }, (_, index) => `t${index}`).join(' ');
    const model = await registerScript({ turns: [{ text: 'unused' }], replies: { 'first?': [{ text: 'First answer.' }], 'second?': [{ text: long, delayMs: 25 }] } });
    const thread = await stack.client.threads.create({ model: `openai:${model}`, tools: [] });
    const page = await browser.newPage();
    page.setDefaultTimeout(50_000);
    await page.goto(`${app.origin}/`);
    await page.waitForFunction(() => window.runstream !== undefined);
    await page.evaluate(
      ({ apiUrl, threadId, token }) => {
        const state: PageThread = { turns: [], status: 'idle', events: 0, reconnects: 0, done: false };
        window.thread = state;
        const client = window.runstream.createClient({ url: apiUrl, reconnectDelayMs: 100 });
        void (async () => {
          try {
            for await (const view of client.threads.watch(threadId, { token, onReconnect: () => state.reconnects++ })) {
              state.events++;
              state.status = view.status;
              state.turns = view.turns.map((turn) => ({ runId: turn.runId, turn: turn.turn?.turn, status: turn.status, text: turn.steps.map((step) => step.text).join('') }));
            }
          } catch (error) {
            state.error = `${(error as Error).name}: ${(error as Error).message}`;
          }
          state.done = true;
        })();
      },
      { apiUrl, threadId: thread.id, token: thread.viewerToken! },
    );
    await thread.stream('first?').result;
    const second = thread.stream('second?');
    await page.waitForFunction(() => (window.thread.turns[1]?.text.length ?? 0) > 40);
    await api!.close();
    api = undefined;
    await page.waitForFunction(() => window.thread.reconnects > 0);
    api = await startApi();
    expect((await second.result).output).toBe(long);
    await thread.close();
    await page.waitForFunction(() => window.thread.done);
    const state = await page.evaluate(() => window.thread);
    expect(state.error).toBeUndefined();
    expect(state.status).toBe('closed');
    const details = await thread.get();
    const answers = details.messages.filter((message) => message.role === 'assistant').map((message) => message.content);
    expect(state.turns.map(({ turn, status, text }) => ({ turn, status, text }))).toEqual([
      { turn: 1, status: 'completed', text: answers[0] },
      { turn: 2, status: 'completed', text: answers[1] },
    ]);
    expect(answers).toEqual(['First answer.', long]);
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
