#!/usr/bin/env node
// Runs the compiled CLI from dist/. In a checkout whose sources are newer than
// the last `npm run build` (or never built), runs the TypeScript sources through
// tsx instead, a development convenience, and says so in one line.
import { existsSync } from 'node:fs';

const inCheckout = existsSync(new URL('../src/cli/main.ts', import.meta.url));
const stale = inCheckout ? (await import('../scripts/build-state.mjs')).staleBuildReason() : undefined;
if (stale === undefined) {
  await import('../dist/src/cli/main.js');
} else {
  process.stderr.write(`runstream: ${stale}, running the TypeScript sources through tsx (\`npm run build\` compiles them)\n`);
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
