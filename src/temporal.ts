import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';

export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
}

export async function connectTemporalClient(settings: TemporalSettings): Promise<Client> {
  const connection = await Connection.connect({ address: settings.address });
  return new Client({ connection, namespace: settings.namespace });
}

/**
 * The workflow code path, for workers that bundle it themselves: the sources
 * next to this file when it runs from source (tsx, tests), the compiled
 * JavaScript when it runs from `dist/`.
 */
export const workflowsPath = fileURLToPath(new URL(`../workflows/index.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));
