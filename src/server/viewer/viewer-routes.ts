import { existsSync, readFileSync } from 'node:fs';
import type { Hono } from 'hono';
import type { ApiEnv } from '../app.js';

/**
 * The viewer pages: HTML and CSS from ./assets, and their scripts, built from
 * src/viewer/ by `npm run build` (scripts/build-viewer.mjs) into the same
 * folder of dist/. `/` lists recent runs with the API key the page asks for
 * (kept in sessionStorage); `/runs/:id?token=…` needs only the run's viewer token,
 * `/threads/:id?token=…` only the thread's.
 */
const asset = (name: string) => readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8');

/** A built script: next to this module in dist/, or in dist/ when this module runs from the sources. */
function script(name: string): string {
  for (const url of [new URL(`./assets/${name}`, import.meta.url), new URL(`../../../dist/src/server/viewer/assets/${name}`, import.meta.url)]) {
    if (existsSync(url)) return readFileSync(url, 'utf8');
  }
  return `document.body.textContent = ${JSON.stringify(`The viewer's ${name} is not built: run \`npm run build\`.`)};`;
}

const assets = {
  index: asset('index.html'),
  run: asset('run.html'),
  thread: asset('thread.html'),
  script: script('viewer.js'),
  threadScript: script('thread.js'),
  listScript: script('runs-list.js'),
  style: asset('viewer.css'),
};

// The pages load only their own script and style and talk only to this origin.
const securityHeaders = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

export function mountViewerPages(app: Hono<ApiEnv>): void {
  app.get('/', (c) => c.html(assets.index, 200, securityHeaders));
  app.get('/runs/:id', (c) => c.html(assets.run, 200, securityHeaders));
  app.get('/threads/:id', (c) => c.html(assets.thread, 200, securityHeaders));
  app.get('/assets/viewer.js', (c) => c.body(assets.script, 200, { ...securityHeaders, 'content-type': 'text/javascript; charset=utf-8' }));
  app.get('/assets/thread.js', (c) => c.body(assets.threadScript, 200, { ...securityHeaders, 'content-type': 'text/javascript; charset=utf-8' }));
  app.get('/assets/runs-list.js', (c) => c.body(assets.listScript, 200, { ...securityHeaders, 'content-type': 'text/javascript; charset=utf-8' }));
  app.get('/assets/viewer.css', (c) => c.body(assets.style, 200, { ...securityHeaders, 'content-type': 'text/css; charset=utf-8' }));
}
