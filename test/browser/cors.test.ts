import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyRunView, foldRun, parseRunEventJson, parseSseStream, runEventTypes, terminalEventTypes, type LoggedEvent } from '../../src/protocol/index.js';
import { startApiProcess, type ApiProcess } from '../../src/processes/api-process.js';
import { corsFromEnv } from '../../src/server/cors.js';
import { freePort } from '../../src/services/free-port.js';
import { launchChromium, servePages, type PageServer } from '../support/browser.js';
import { registerScript, startTestStack, testApiKey, type TestStack } from '../support/test-stack.js';

async function* bytesOf(text: string): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode(text);
}

interface Received {
  id: string;
  type: string;
  data: string;
}
type PageState = { received: Received[]; errors: number; readyState: number };
declare global {
  interface Window {
    rs: PageState;
  }
}

/**
 * Pages on other origins (other ports) than the API's, in Chromium: a listed
 * origin streams a run with EventSource and with fetch and resumes with
 * Last-Event-ID; an origin not listed, or a page with an API key where the
 * operator did not allow keys, is refused by the browser.
 */
describe('cross-origin access (chromium)', { timeout: 120_000 }, () => {
  let stack: TestStack;
  let browser: Browser;
  let api: ApiProcess | undefined;
  let apiUrl: string;
  let port: number;
  let listed: PageServer;
  let unlisted: PageServer;
  let keyHolder: PageServer;
  const startApi = () =>
    startApiProcess(stack.env, {
      port,
      cors: corsFromEnv({ RUNSTREAM_CORS_ORIGINS: `${listed.origin}/`, RUNSTREAM_CORS_KEY_ORIGINS: keyHolder.origin }),
    });

  beforeAll(async () => {
    stack = await startTestStack('browser-cors');
    const html = '<!doctype html><title>an app</title><p>an app on its own origin</p>';
    [listed, unlisted, keyHolder] = await Promise.all([servePages({ files: { '/index.html': html } }), servePages({ files: { '/index.html': html } }), servePages({ files: { '/index.html': html } })]);
    port = await freePort();
    api = await startApi();
    apiUrl = api.url;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await Promise.all([listed?.close(), unlisted?.close(), keyHolder?.close()]);
    await stack?.stop();
  });

  async function openPage(server: PageServer): Promise<Page> {
    const page = await browser.newPage();
    page.setDefaultTimeout(50_000);
    await page.goto(`${server.origin}/`);
    return page;
  }

  /** Opens an EventSource in the page; its events and errors collect in window.rs. */
  async function openEventSource(page: Page, url: string) {
    await page.evaluate(
      ({ url, types, terminal }) => {
        const state: PageState = { received: [], errors: 0, readyState: 0 };
        window.rs = state;
        const source = new EventSource(url);
        for (const type of types) {
          source.addEventListener(type, (event) => {
            const message = event as MessageEvent<string>;
            state.received.push({ id: message.lastEventId, type, data: message.data });
            if (terminal.includes(type)) source.close(); // else it would reconnect after the stream ends
            state.readyState = source.readyState;
          });
        }
        source.onerror = () => {
          state.errors++;
          state.readyState = source.readyState;
        };
      },
      { url, types: [...runEventTypes] as string[], terminal: [...terminalEventTypes] as string[] },
    );
  }

  const received = (page: Page) => page.evaluate(() => window.rs);

  /** The run's whole log as a key holder reads it after the run ended. */
  async function fullLog(runId: string): Promise<LoggedEvent[]> {
    const events: LoggedEvent[] = [];
    for await (const entry of stack.client.subscribe(runId)) events.push(entry);
    return events;
  }

  const fold = (runId: string, events: { id: string; data: string }[]) =>
    events.reduce((view, { id, data }) => foldRun(view, parseRunEventJson(data), id), emptyRunView(runId));

  it('a listed origin streams a run with EventSource, which resumes with Last-Event-ID across an API restart', async () => {
    const answer = Array.from({ length: 120 }, (_, index) => `word${index}`).join(' ');
    const model = await registerScript({ turns: [{ text: answer, delayMs: 25 }] });
    const run = await stack.client.enqueue({ input: 'stream me', model: `openai:${model}`, tools: [] });
    const page = await openPage(listed);
    await openEventSource(page, `${apiUrl}/v1/runs/${run.id}/events?token=${encodeURIComponent(run.viewerToken)}`);

    await page.waitForFunction(() => window.rs.received.filter((event) => event.type === 'text.delta').length > 10);
    await api!.close();
    api = undefined;
    await page.waitForFunction(() => window.rs.errors > 0 && window.rs.readyState === EventSource.CONNECTING);
    api = await startApi();
    await page.waitForFunction(() => window.rs.received.some((event) => event.type === 'run.completed'));

    const state = await received(page);
    const log = await fullLog(run.id);
    // Every event once, in order: the reconnect asked for what came after the last id it had, cross-origin.
    expect(state.received.map((event) => event.id)).toEqual(log.map((entry) => entry.id));
    const result = await stack.client.result(run.id);
    expect(fold(run.id, state.received).steps[0]?.text).toBe(result.output);
    expect(result.output).toBe(answer);
    await page.close();
  });

  it('a listed origin streams with fetch, sending Last-Event-ID itself; a token for another run gets a readable 403', async () => {
    const model = await registerScript({ turns: [{ text: 'one two three four five six seven eight' }] });
    const [run, other] = await Promise.all([
      stack.client.enqueue({ input: 'fetch me', model: `openai:${model}`, tools: [] }),
      stack.client.enqueue({ input: 'another', model: `openai:${model}`, tools: [] }),
    ]);
    await Promise.all([stack.client.result(run.id), stack.client.result(other.id)]);
    const log = await fullLog(run.id);
    const after = log[2]!.id;
    const page = await openPage(listed);
    const answer = await page.evaluate(
      async ({ url, after }) => {
        const response = await fetch(url, { headers: { 'last-event-id': after, accept: 'text/event-stream' } });
        return { status: response.status, body: await response.text() };
      },
      { url: `${apiUrl}/v1/runs/${run.id}/events?token=${encodeURIComponent(run.viewerToken)}`, after },
    );
    expect(answer.status).toBe(200);
    const frames: Received[] = [];
    for await (const message of parseSseStream(bytesOf(answer.body))) {
      if (message.id && message.event) frames.push({ id: message.id, type: message.event, data: message.data });
    }
    expect(frames.map((frame) => frame.id)).toEqual(log.slice(3).map((entry) => entry.id));

    const forbidden = await page.evaluate(async (url) => {
      const response = await fetch(url);
      return { status: response.status, body: (await response.json()) as { error: { type: string } } };
    }, `${apiUrl}/v1/runs/${run.id}/events?token=${encodeURIComponent(other.viewerToken)}`);
    expect(forbidden).toMatchObject({ status: 403, body: { error: { type: 'forbidden' } } });

    // A page that was only meant to watch cannot use an API key: its preflight is refused.
    const keyed = await page.evaluate(async ({ url, key }) => {
      try {
        const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ input: 'no' }) });
        return `status ${response.status}`;
      } catch (error) {
        return `refused: ${String(error)}`;
      }
    }, { url: `${apiUrl}/v1/runs`, key: testApiKey });
    expect(keyed).toMatch(/^refused: TypeError/);
    await page.close();
  });

  it('an origin not listed is refused by the browser, with EventSource and with fetch', async () => {
    const model = await registerScript({ turns: [{ text: 'not for you' }] });
    const run = await stack.client.enqueue({ input: 'hidden', model: `openai:${model}`, tools: [] });
    await stack.client.result(run.id);
    const url = `${apiUrl}/v1/runs/${run.id}/events?token=${encodeURIComponent(run.viewerToken)}`;
    const page = await openPage(unlisted);
    await openEventSource(page, url);
    await page.waitForFunction(() => window.rs.readyState === EventSource.CLOSED);
    expect((await received(page)).received).toEqual([]);
    const fetched = await page.evaluate(async (url) => {
      try {
        return `status ${(await fetch(url, { headers: { 'last-event-id': '0-0' } })).status}`;
      } catch (error) {
        return `refused: ${String(error)}`;
      }
    }, url);
    expect(fetched).toMatch(/^refused: TypeError/);
    await page.close();

    // What the browser saw: no CORS headers for that origin, a preflight refused with a reason.
    const simple = await fetch(url, { headers: { origin: unlisted.origin } });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
    await simple.body?.cancel();
    const preflight = await fetch(url, { method: 'OPTIONS', headers: { origin: unlisted.origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'last-event-id' } });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(((await preflight.json()) as { error: { message: string } }).error.message).toContain('RUNSTREAM_CORS_ORIGINS');
    const allowed = await fetch(url, { method: 'OPTIONS', headers: { origin: listed.origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'last-event-id' } });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(listed.origin);
    expect(allowed.headers.get('access-control-allow-headers')).toContain('last-event-id');
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('an origin the operator allows keys for enqueues with the API key and streams with it', async () => {
    const model = await registerScript({ turns: [{ text: 'keyed from a page' }] });
    const page = await openPage(keyHolder);
    const outcome = await page.evaluate(
      async ({ apiUrl, key, model }) => {
        const headers = { authorization: `Bearer ${key}` };
        const created = await fetch(`${apiUrl}/v1/runs`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ input: 'hi', model, tools: [] }) });
        const run = (await created.json()) as { id: string };
        const events = await fetch(`${apiUrl}/v1/runs/${run.id}/events`, { headers });
        return { created: created.status, runId: run.id, events: events.status, body: await events.text() };
      },
      { apiUrl, key: testApiKey, model: `openai:${model}` },
    );
    expect(outcome.created).toBe(201);
    expect(outcome.events).toBe(200);
    expect(outcome.body).toContain('event: run.completed');
    expect((await stack.client.result(outcome.runId)).output).toBe('keyed from a page');
    await page.close();
  });
});
