import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from '../src/temporal.js';
import { browserEntries, bundleForBrowser } from './browser-bundle.js';

/**
 * Bundles workflows/ as a worker would. The bundler rejects Node built-ins;
 * this also rejects I/O and validation libraries a workflow reached by an
 * indirect import, which would bundle silently and fail only in production.
 */
const forbidden = ['ioredis', 'undici', 'zod', 'hono', '@hono/node-server', 'eventsource-parser', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'];

const quiet = { info() {}, warn: console.warn, error: console.error, debug() {}, trace() {}, log() {} };
const { code } = await bundleWorkflowCode({ workflowsPath, logger: quiet });
const found = forbidden.filter((name) => code.includes(`node_modules/${name}/`));
if (found.length > 0) {
  console.error(`check:bundle: the workflow bundle pulls in ${found.join(', ')}; workflows/ may import only @temporalio/workflow and types`);
  process.exit(1);
}
console.log(`check:bundle: workflow bundle ok (${(code.length / 1024).toFixed(0)} KiB, no Node-only or I/O modules)`);

// The browser entry points bundle for browsers: a Node built-in reached by any import fails here, not in a user's app.
for (const entry of Object.keys(browserEntries) as (keyof typeof browserEntries)[]) {
  try {
    const bundle = await bundleForBrowser(entry);
    console.log(`check:bundle: ${entry} bundles for browsers (${(bundle.gzipBytes / 1024).toFixed(1)} KiB gzip)`);
  } catch (error) {
    const messages = (error as { errors?: { text: string; location?: { file: string } | null }[] }).errors ?? [];
    console.error(`check:bundle: ${entry} does not bundle for browsers:`);
    for (const message of messages.length > 0 ? messages : [{ text: String(error) }]) console.error(`  ${message.location?.file ?? ''} ${message.text}`);
    process.exit(1);
  }
}
