import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import type { ApiEnv } from '../app.js';
import type { RouteRegistry } from '../routes.js';

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

export function mountViewerPages(routes: RouteRegistry<ApiEnv>): void {
  const page = (path: string, operationId: string, summary: string, html: string, named?: { params: z.ZodObject; query: z.ZodObject }) =>
    routes.route(
      { method: 'GET', path, operationId, summary, tag: 'viewer', auth: 'none', ...named, answers: { 200: { description: 'The page.', media: { type: 'text/html' } } } },
      (c) => c.html(html, 200, securityHeaders),
    );
  const file = (name: string, type: 'text/javascript' | 'text/css', text: string) =>
    routes.route(
      { method: 'GET', path: `/assets/${name}`, operationId: `asset_${name.replace(/\W/g, '_')}`, summary: `The viewer's ${name}`, tag: 'viewer', auth: 'none', answers: { 200: { description: name, media: { type } } } },
      (c) => c.body(text, 200, { ...securityHeaders, 'content-type': `${type}; charset=utf-8` }),
    );
  page('/', 'runsPage', 'The viewer: recent runs (the page asks for an API key)', assets.index);
  // Any id: the page itself asks the API, which answers 404 for an unknown run.
  page('/runs/:id', 'runPage', "The viewer: one run, live (`?token=` its viewer token)", assets.run, {
    params: z.object({ id: z.string().describe('A run id.') }),
    query: z.object({ token: z.string().optional().describe("The run's viewer token.") }),
  });
  page('/threads/:id', 'threadPage', "The viewer: one thread, every turn, live (`?token=` its viewer token)", assets.thread, {
    params: z.object({ id: z.string().describe('A thread id.') }),
    query: z.object({ token: z.string().optional().describe("The thread's viewer token.") }),
  });
  file('viewer.js', 'text/javascript', assets.script);
  file('thread.js', 'text/javascript', assets.threadScript);
  file('runs-list.js', 'text/javascript', assets.listScript);
  file('viewer.css', 'text/css', assets.style);
}
