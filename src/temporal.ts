import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';

export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  /** Encrypts payloads (RUNSTREAM_PAYLOAD_KEY); client and worker must share it. */
  payloadCodec?: PayloadCodec | undefined;
}

/** The data converter every client and worker of a deployment uses: the payload codec, if any. */
export const dataConverterFor = (settings: Pick<TemporalSettings, 'payloadCodec'>) =>
  settings.payloadCodec ? { dataConverter: { payloadCodecs: [settings.payloadCodec] } } : {};

export async function connectTemporalClient(settings: TemporalSettings): Promise<Client> {
  const connection = await Connection.connect({ address: settings.address });
  return new Client({ connection, namespace: settings.namespace, ...dataConverterFor(settings) });
}

/**
 * The workflow code path, for workers that bundle it themselves: the sources
 * next to this file when it runs from source (tsx, tests), the compiled
 * JavaScript when it runs from `dist/`.
 */
export const workflowsPath = fileURLToPath(new URL(`../workflows/index.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));
