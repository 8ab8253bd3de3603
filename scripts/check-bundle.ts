import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from '../src/temporal.js';

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
