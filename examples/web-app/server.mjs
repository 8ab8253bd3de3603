// The app's backend, in miniature: it holds the runstream API key, enqueues
// runs and hands the page each run's viewer token (and fresh ones when they
// expire). It also serves the built page (`npm run build` first).
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { createClient } from 'runstream/client';

const apiUrl = process.env.RUNSTREAM_API_URL ?? 'http://127.0.0.1:8787';
const apiKey = process.env.RUNSTREAM_API_KEY;
const port = Number(process.env.PORT ?? 3000);
if (!apiKey) {
  console.error('RUNSTREAM_API_KEY is not set: the key `runstream dev` printed');
  process.exit(2);
}
const runstream = createClient({ url: apiUrl, apiKey });
const dist = join(import.meta.dirname, 'dist');
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

const ticket = (runId, viewerToken, expiresAt) => ({ runId, apiUrl, viewerToken, expiresAt });

async function api(request, path) {
  if (request.method === 'POST' && path === '/api/runs') {
    let body = '';
    for await (const chunk of request) body += chunk;
    const prompt = String(JSON.parse(body || '{}').prompt ?? '').slice(0, 4000);
    if (!prompt) return [400, { error: 'prompt is empty' }];
    const run = await runstream.enqueue({ input: prompt });
    return [201, ticket(run.id, run.viewerToken, run.viewerTokenExpiresAt)];
  }
  const renew = request.method === 'POST' && path.match(/^\/api\/runs\/([\w-]+)\/token$/);
  if (renew) {
    // A real app checks here that the signed-in user may watch this run.
    const { viewerToken, expiresAt } = await runstream.viewerToken(renew[1]);
    return [201, ticket(renew[1], viewerToken, expiresAt)];
  }
  return [404, { error: 'no such route' }];
}

createServer(async (request, response) => {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  try {
    if (path.startsWith('/api/')) {
      const [status, json] = await api(request, path);
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      return;
    }
    const file = join(dist, normalize(path).replace(/^(\.\.[/\\])+/, ''));
    const found = extname(file) ? file : join(dist, 'index.html');
    const content = await readFile(found);
    response.writeHead(200, { 'content-type': types[extname(found)] ?? 'application/octet-stream' }).end(content);
  } catch (error) {
    if (response.headersSent) return void response.destroy();
    const status = error?.code === 'ENOENT' ? 404 : (error?.status ?? 500);
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(error?.message ?? error) }));
  }
}).listen(port, '127.0.0.1', () => console.error(`example app on http://127.0.0.1:${port} (runstream API ${apiUrl})`));
