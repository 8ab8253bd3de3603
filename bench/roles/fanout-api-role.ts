import { serve } from '@hono/node-server';
import { Redis } from 'ioredis';
import { LiveSubscriptions } from '../../src/bus/live-subscriptions.js';
import { RunLog } from '../../src/bus/run-log.js';
import type { RunService } from '../../src/runs/run-service.js';
import { CatalogueReader } from '../../src/catalogue/catalogue-reader.js';
import { ApiKeys } from '../../src/server/api-keys.js';
import { createApiApp } from '../../src/server/app.js';
import { ViewerTokens } from '../../src/server/viewer-token.js';
import { benchApiKey } from '../support/bench-stack.js';
import type { Role } from './main.js';
import { probeHandlers } from './probe.js';

/**
 * The API's event route on a private Redis, for the fan-out benchmark.
 * Temporal is not on the delivery path, so the run lookup is a stand-in that
 * says "running"; everything from the log to the viewers' sockets is real.
 */
export async function start(): Promise<Role> {
  const redisUrl = process.env.REDIS_URL ?? '';
  const live = new LiveSubscriptions(new Redis(redisUrl));
  const streamStats = { open: 0, cutOff: 0 };
  const runs = {
    describe: async () => ({ status: { name: 'RUNNING' }, historyLength: 10 }),
    messages: async () => [],
  } as unknown as RunService;
  const commands = new Redis(redisUrl);
  const keyPrefix = process.env.RUNSTREAM_KEY_PREFIX ?? 'bench:';
  const app = createApiApp({
    runs,
    catalogue: new CatalogueReader(commands, { keyPrefix, taskQueue: 'bench' }),
    log: new RunLog(commands, { keyPrefix }),
    live,
    streamStats,
    apiKeys: new ApiKeys([benchApiKey]),
    viewerTokens: new ViewerTokens('bench-secret'),
  });
  const port = await new Promise<number>((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => resolve(info.port));
    server.on('error', (error) => {
      console.error(error);
      process.exit(1);
    });
  });
  return {
    ready: { url: `http://127.0.0.1:${port}` },
    handlers: {
      ...probeHandlers(),
      liveStats: () => ({ channels: live.channelCount, listeners: live.listenerCount, open: streamStats.open, cutOff: streamStats.cutOff }),
    },
  };
}
