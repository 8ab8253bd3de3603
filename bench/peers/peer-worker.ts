import { fileURLToPath } from 'node:url';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { Role } from '../roles/main.js';
import { probeHandlers } from '../roles/probe.js';
import { createPeerActivities } from './peer-activities.js';

/** The peer's worker: its own process and task queue, SDK defaults as the sample leaves them. */
export async function start(): Promise<Role> {
  const address = process.env.TEMPORAL_ADDRESS ?? '';
  const taskQueue = process.env.PEER_TASK_QUEUE ?? 'bench-peer';
  const baseURL = process.env.OPENAI_BASE_URL ?? '';
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowsPath: fileURLToPath(new URL('./peer-workflow.ts', import.meta.url)),
    activities: createPeerActivities(baseURL),
  });
  void worker.run();
  return { ready: { taskQueue }, handlers: probeHandlers() };
}
