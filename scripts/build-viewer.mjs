#!/usr/bin/env node
// The viewer pages' scripts: src/viewer/*.ts (TypeScript, on the protocol's reducer) bundled by
// esbuild for browsers into dist/src/server/viewer/assets/, next to the HTML and CSS the build
// copies there; the API serves them from that folder. Run by scripts/build.mjs on every build.
import { build } from 'esbuild';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const pages = { viewer: 'src/viewer/run-page.ts', thread: 'src/viewer/thread-page.ts', 'runs-list': 'src/viewer/runs-list.ts' };

await build({
  entryPoints: Object.fromEntries(Object.entries(pages).map(([name, source]) => [name, join(root, source)])),
  outdir: join(root, 'dist', 'src', 'server', 'viewer', 'assets'),
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
