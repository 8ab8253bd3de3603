import { createHash, randomBytes } from 'node:crypto';
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { LiveSubscriptions } from '../bus/live-subscriptions.js';
import { RunLog } from '../bus/run-log.js';
import { ConfigError, parseApiKeys, type Env } from '../config.js';
import { defaultModelName } from '../models.js';
import { connectRedis } from '../redis.js';
import { RunService } from '../runs/run-service.js';
import { createApiApp } from '../server/app.js';
import { ApiKeys } from '../server/api-keys.js';
import { ViewerTokens } from '../server/viewer-token.js';
import { connectTemporalClient } from '../temporal.js';
import { builtinTools } from '../tools/builtin.js';

export interface ApiProcess {
  url: string;
  close(): Promise<void>;
}

/**
 * The viewer-token secret: RUNSTREAM_TOKEN_SECRET when set, else derived from
 * the API keys, so every API process with the same keys accepts the same tokens.
 */
function tokenSecret(env: NodeJS.ProcessEnv, keys: string[]): string {
  if (env.RUNSTREAM_TOKEN_SECRET) return env.RUNSTREAM_TOKEN_SECRET;
  if (keys.length === 0) return randomBytes(32).toString('hex');
  return createHash('sha256').update(`runstream-viewer-tokens\0${[...keys].sort().join('\0')}`).digest('hex');
}

export async function startApiProcess(
  env: Env & { TEMPORAL_ADDRESS: string; REDIS_URL: string },
  options: { host?: string; port?: number; toolNames?: string[] } = {},
): Promise<ApiProcess> {
  const keys = parseApiKeys(env.RUNSTREAM_API_KEYS);
  if (keys.length === 0) throw new ConfigError('RUNSTREAM_API_KEYS: set at least one API key (comma separated)');
  const client = await connectTemporalClient({
    address: env.TEMPORAL_ADDRESS,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.RUNSTREAM_TASK_QUEUE,
  });
  const commands = connectRedis(env.REDIS_URL, 'commands');
  const subscriber = connectRedis(env.REDIS_URL, 'subscriber');
  const app = createApiApp({
    runs: new RunService({
      client,
      taskQueue: env.RUNSTREAM_TASK_QUEUE,
      defaultModel: defaultModelName(env),
      toolNames: options.toolNames ?? builtinTools.map((tool) => tool.name),
    }),
    log: new RunLog(commands, { keyPrefix: env.RUNSTREAM_KEY_PREFIX }),
    live: new LiveSubscriptions(subscriber),
    apiKeys: new ApiKeys(keys),
    viewerTokens: new ViewerTokens(tokenSecret(process.env, keys)),
  });
  const host = options.host ?? '127.0.0.1';
  const server: ServerType = await new Promise((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: host, port: options.port ?? env.RUNSTREAM_PORT }, () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      });
      commands.disconnect();
      subscriber.disconnect();
      await client.connection.close();
    },
  };
}
