import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { findChromium } from '../../src/services/binaries.js';

/** Headless Chromium as the browser tests use it; `npm test` installs it first (runstream setup --browser). */
export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('Chromium is missing: run `npx runstream setup --browser` (or set CHROMIUM_PATH)');
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface PageServer {
  /** `http://127.0.0.1:<port>`: an origin of its own, apart from the API's. */
  origin: string;
  close(): Promise<void>;
}

const contentTypes: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

/**
 * Serves a web app's static files (a directory, or files by path) on a port
 * of its own, so its pages are another origin than the API's. `routes` answer
 * first: an app's own backend endpoints.
 */
export async function servePages(
  source: { dir: string } | { files: Record<string, string> },
  routes: Record<string, (body: string, url: URL) => Promise<{ status: number; json: unknown }>> = {},
): Promise<PageServer> {
  const server: Server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const route = routes[`${request.method} ${url.pathname}`];
      if (route) {
        let body = '';
        for await (const chunk of request) body += String(chunk);
        const answer = await route(body, url).catch((error: unknown) => ({ status: 500, json: { error: String(error) } }));
        response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.json));
        return;
      }
      if ('files' in source) {
        const path = url.pathname === '/' ? '/index.html' : url.pathname;
        const content = source.files[path];
        if (content === undefined) response.writeHead(404).end();
        else response.writeHead(200, { 'content-type': contentTypes[extname(path)] ?? 'text/plain' }).end(content);
        return;
      }
      const path = normalize(url.pathname).replace(/^(\.\.[/\\])+/, '');
      const file = join(source.dir, path.endsWith('/') ? 'index.html' : path);
      const content = await readFile(file).catch(() => readFile(join(source.dir, 'index.html')));
      response.writeHead(200, { 'content-type': contentTypes[extname(file)] ?? contentTypes['.html']! }).end(content);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
