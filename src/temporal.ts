import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { ConfigError, type Env } from './config.js';
import { tracing } from './observability/tracing.js';

/** How to reach the frontend beyond its address: TLS (mTLS) and an API key, for Temporal Cloud or a secured cluster. */
export interface TemporalConnectionSettings {
  tls?: TLSConfig | undefined;
  apiKey?: string | undefined;
}

export interface TemporalSettings extends TemporalConnectionSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  /** Encrypts payloads (RUNSTREAM_PAYLOAD_KEY); client and worker must share it. */
  payloadCodec?: PayloadCodec | undefined;
}

type TemporalConnectionEnv = Pick<
  Env,
  | 'TEMPORAL_TLS'
  | 'TEMPORAL_TLS_CERT_PATH'
  | 'TEMPORAL_TLS_KEY_PATH'
  | 'TEMPORAL_TLS_CERT_DATA'
  | 'TEMPORAL_TLS_KEY_DATA'
  | 'TEMPORAL_TLS_CA_PATH'
  | 'TEMPORAL_TLS_CA_DATA'
  | 'TEMPORAL_TLS_SERVER_NAME'
  | 'TEMPORAL_API_KEY'
>;

/** PEM from a file (…_PATH) or the variable itself (…_DATA); never both. */
function pem(env: TemporalConnectionEnv, name: 'CERT' | 'KEY' | 'CA'): Buffer | undefined {
  const path = env[`TEMPORAL_TLS_${name}_PATH`];
  const data = env[`TEMPORAL_TLS_${name}_DATA`];
  if (path && data) throw new ConfigError(`TEMPORAL_TLS_${name}_PATH and TEMPORAL_TLS_${name}_DATA are both set; set one`);
  if (data) return Buffer.from(data);
  if (!path) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(`TEMPORAL_TLS_${name}_PATH: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/**
 * TLS and API key settings from the environment. Any TLS file, a server name
 * or an API key turns TLS on (Temporal Cloud takes no plain connection);
 * TEMPORAL_TLS=true turns it on alone (a server the system trusts), false keeps
 * it off (refused with an API key, which the SDK sends over TLS only).
 */
export function temporalConnectionFromEnv(env: TemporalConnectionEnv): TemporalConnectionSettings {
  const crt = pem(env, 'CERT');
  const key = pem(env, 'KEY');
  if (Boolean(crt) !== Boolean(key)) throw new ConfigError('TEMPORAL_TLS_CERT_* and TEMPORAL_TLS_KEY_* go together: set both (mTLS) or neither');
  const ca = pem(env, 'CA');
  const wanted = env.TEMPORAL_TLS ?? Boolean(crt || ca || env.TEMPORAL_TLS_SERVER_NAME || env.TEMPORAL_API_KEY);
  if (!wanted && (crt || ca || env.TEMPORAL_TLS_SERVER_NAME)) throw new ConfigError('TEMPORAL_TLS=false but TEMPORAL_TLS_* settings are set; drop one');
  // The SDK sends an API key only over TLS.
  if (!wanted && env.TEMPORAL_API_KEY) throw new ConfigError('TEMPORAL_API_KEY needs TLS: drop TEMPORAL_TLS=false');
  const tls: TLSConfig | undefined = wanted
    ? {
        ...(crt && key ? { clientCertPair: { crt, key } } : {}),
        ...(ca ? { serverRootCACertificate: ca } : {}),
        ...(env.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME } : {}),
      }
    : undefined;
  return { ...(tls ? { tls } : {}), ...(env.TEMPORAL_API_KEY ? { apiKey: env.TEMPORAL_API_KEY } : {}) };
}

/** The options both connections (the client's and the worker's native one) take. */
export const connectionOptionsFor = (settings: Pick<TemporalSettings, 'address' | 'tls' | 'apiKey'>) => ({
  address: settings.address,
  ...(settings.tls ? { tls: settings.tls } : {}),
  ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
});

/** The data converter every client and worker of a deployment uses: the payload codec, if any. */
export const dataConverterFor = (settings: Pick<TemporalSettings, 'payloadCodec'>) =>
  settings.payloadCodec ? { dataConverter: { payloadCodecs: [settings.payloadCodec] } } : {};

export async function connectTemporalClient(settings: TemporalSettings): Promise<Client> {
  const connection = await Connection.connect(connectionOptionsFor(settings));
  const traced = tracing();
  return new Client({
    connection,
    namespace: settings.namespace,
    ...dataConverterFor(settings),
    ...(traced ? { interceptors: { workflow: traced.clientInterceptors } } : {}),
  });
}

/**
 * The workflow code path, for workers that bundle it themselves: the sources
 * next to this file when it runs from source (tsx, tests), the compiled
 * JavaScript when it runs from `dist/`.
 */
export const workflowsPath = fileURLToPath(new URL(`../workflows/index.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));
