import { z } from 'zod';
import { parsePayloadKeys } from './codec/payload-encryption.js';
import { parseWebhookHosts } from './webhooks/webhook-hosts.js';
import { parseWebhookSecret } from './webhooks/webhook-secret.js';

/**
 * Environment configuration (API.md). A bad value fails with one line that
 * names the variable; nothing here is ever logged whole, since it holds keys.
 */

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const url = (name: string) =>
  z
    .string()
    .refine((value) => URL.canParse(value), { message: `${name} must be a URL, e.g. http://127.0.0.1:8787` });

const envSchema = z.object({
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:/]+:\d+$/, 'TEMPORAL_ADDRESS must be host:port, e.g. 127.0.0.1:7233')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** TLS to the Temporal frontend (Temporal Cloud, a secured cluster): on with any other TEMPORAL_TLS_* or TEMPORAL_API_KEY. */
  TEMPORAL_TLS: z
    .enum(['true', 'false', '1', '0'], { message: 'TEMPORAL_TLS must be true or false' })
    .transform((value) => value === 'true' || value === '1')
    .optional(),
  /** mTLS client certificate and key: PEM files (…_PATH) or PEM text (…_DATA). */
  TEMPORAL_TLS_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CERT_DATA: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_DATA: z.string().min(1).optional(),
  /** The server's CA, when the system does not trust it (a self-hosted cluster). */
  TEMPORAL_TLS_CA_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CA_DATA: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  /** A Temporal Cloud API key (sent as a bearer token; implies TLS). */
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  RUNSTREAM_TASK_QUEUE: z.string().min(1).default('runstream'),
  /** One Redis (redis://, rediss://) or a Redis Cluster by its seed nodes (redis+cluster://host:port,host:port). */
  REDIS_URL: z
    .string()
    .regex(/^rediss?(\+cluster)?:\/\//, 'REDIS_URL must start with redis://, rediss:// or redis+cluster://')
    .optional(),
  /** A Redis Cluster's seed nodes (host:port, comma separated); REDIS_URL then gives the scheme and credentials. */
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(/^\s*[^\s,]+:\d{1,5}\s*(,\s*[^\s,]+:\d{1,5}\s*)*$/, 'REDIS_CLUSTER_NODES must list host:port pairs separated by commas, e.g. 10.0.0.1:6379,10.0.0.2:6379')
    .optional(),
  RUNSTREAM_API_URL: url('RUNSTREAM_API_URL').optional(),
  RUNSTREAM_API_KEY: z.string().min(1).optional(),
  RUNSTREAM_API_KEYS: z.string().optional(),
  RUNSTREAM_PORT: z.coerce
    .number({ message: 'RUNSTREAM_PORT must be a port number' })
    .int()
    .min(0, 'RUNSTREAM_PORT must be a port number')
    .max(65535, 'RUNSTREAM_PORT must be a port number')
    .default(8787),
  /** The worker's `GET /metrics` port (unset: no metrics server; 0: a free port). */
  RUNSTREAM_METRICS_PORT: z.coerce
    .number({ message: 'RUNSTREAM_METRICS_PORT must be a port number' })
    .int('RUNSTREAM_METRICS_PORT must be a port number')
    .min(0, 'RUNSTREAM_METRICS_PORT must be a port number')
    .max(65535, 'RUNSTREAM_METRICS_PORT must be a port number')
    .optional(),
  RUNSTREAM_MODEL: z.string().min(1).optional(),
  /** Prefix of every Redis key and channel, to share one Redis between deployments. */
  RUNSTREAM_KEY_PREFIX: z.string().regex(/^[\w:.-]*$/, 'RUNSTREAM_KEY_PREFIX may hold letters, digits and _ : . -').default('runstream:'),
  RUNSTREAM_DEMO_URL: url('RUNSTREAM_DEMO_URL').optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: url('OPENAI_BASE_URL').default('https://api.openai.com/v1'),
  /** The OpenAI-compatible server continues a trailing assistant message (vLLM's continue_final_message). */
  OPENAI_CONTINUE_FINAL_MESSAGE: z
    .enum(['true', 'false', '1', '0'], { message: 'OPENAI_CONTINUE_FINAL_MESSAGE must be true or false' })
    .transform((value) => value === 'true' || value === '1')
    .default(false),
  /** Extended thinking for Anthropic models: the token budget per step (unset: off). */
  ANTHROPIC_THINKING_BUDGET: z.coerce
    .number({ message: 'ANTHROPIC_THINKING_BUDGET must be a number of tokens' })
    .int('ANTHROPIC_THINKING_BUDGET must be a whole number of tokens')
    .min(1024, 'ANTHROPIC_THINKING_BUDGET must be at least 1024 tokens')
    .optional(),
  /** Reasoning summaries for OpenAI Responses reasoning models (unset: none). */
  OPENAI_REASONING_SUMMARY: z
    .enum(['auto', 'concise', 'detailed'], { message: 'OPENAI_REASONING_SUMMARY must be auto, concise or detailed' })
    .optional(),
  /** Where transcripts and large payloads live: a directory on this machine (default .runstream/blobs)… */
  RUNSTREAM_BLOB_DIR: z.string().min(1).optional(),
  /** …or PostgreSQL, shared by every worker and API process (postgres://user@host:port/db). */
  RUNSTREAM_BLOB_URL: z
    .string()
    .refine((value) => /^postgres(ql)?:\/\//.test(value) && URL.canParse(value), {
      message: 'RUNSTREAM_BLOB_URL must be a PostgreSQL URL, e.g. postgres://runstream@127.0.0.1:5432/runstream',
    })
    .optional(),
  /** A thread with no new message for this many days closes itself (fractions allowed). */
  RUNSTREAM_THREAD_IDLE_DAYS: z.coerce
    .number({ message: 'RUNSTREAM_THREAD_IDLE_DAYS must be a number of days, e.g. 30' })
    .positive('RUNSTREAM_THREAD_IDLE_DAYS must be a number of days above 0')
    .max(3650, 'RUNSTREAM_THREAD_IDLE_DAYS must be at most 3650')
    .default(30),
  /**
   * Encrypts Temporal payloads at rest (AES-256-GCM): a 32-byte key, hex or
   * base64; several comma separated to rotate (the first encrypts, all decrypt).
   */
  RUNSTREAM_PAYLOAD_KEY: z
    .string()
    .superRefine((value, context) => {
      try {
        parsePayloadKeys(value);
      } catch (error) {
        // Never the value itself: it is a secret.
        context.addIssue({ code: 'custom', message: `RUNSTREAM_PAYLOAD_KEY ${error instanceof Error ? error.message : 'is invalid'}` });
      }
    })
    .optional(),
  /**
   * Signs webhooks (Standard Webhooks): `whsec_` and the base64 of 24 to 64
   * random bytes. Only the workers need it; the API refuses webhooks without it.
   */
  RUNSTREAM_WEBHOOK_SECRET: z
    .string()
    .superRefine((value, context) => {
      try {
        parseWebhookSecret(value);
      } catch (error) {
        // Never the value itself: it is a secret.
        context.addIssue({ code: 'custom', message: `RUNSTREAM_WEBHOOK_SECRET ${error instanceof Error ? error.message : 'is invalid'}` });
      }
    })
    .optional(),
  /** Hosts webhooks may go to, comma separated: names, IP addresses or CIDR ranges (private addresses only when listed). */
  RUNSTREAM_WEBHOOK_HOSTS: z
    .string()
    .superRefine((value, context) => {
      try {
        parseWebhookHosts(value);
      } catch (error) {
        context.addIssue({ code: 'custom', message: `RUNSTREAM_WEBHOOK_HOSTS ${error instanceof Error ? error.message : 'is invalid'}` });
      }
    })
    .optional(),
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: url('ANTHROPIC_BASE_URL').default('https://api.anthropic.com/v1'),
});
export type Env = z.infer<typeof envSchema>;

export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  // An empty variable means "not set", as shells and compose files produce them.
  const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    const message = issue?.message ?? 'invalid';
    throw new ConfigError(message.includes(name) ? message : `${name}: ${message}`);
  }
  return parsed.data;
}

/** The servers a worker or an API process needs; each missing one is a clear error naming its variable. */
export function requireServers(env: Env): Env & { TEMPORAL_ADDRESS: string; REDIS_URL: string } {
  if (!env.TEMPORAL_ADDRESS) throw new ConfigError('TEMPORAL_ADDRESS is not set (host:port of the Temporal frontend); `runstream dev` starts one');
  if (!env.REDIS_URL) throw new ConfigError('REDIS_URL is not set (redis://host:port); `runstream dev` starts one');
  return { ...env, TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS, REDIS_URL: env.REDIS_URL };
}

export function parseApiKeys(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key.length > 0);
}
