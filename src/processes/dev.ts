import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEnv } from '../config.js';
import { freePort } from '../services/free-port.js';
import { startRedisServer, startTemporalDevServer, type LocalService } from '../services/local-services.js';
import { stateDir } from '../services/binaries.js';
import { devStateFile } from '../cli/client-config.js';
import { startApiProcess, type ApiProcess } from './api-process.js';
import type { ValidatedConfig } from '../worker/config-schema.js';
import { startWorkerProcess } from './worker-process.js';

export interface DevOptions {
  port?: number | undefined;
  /** The API without keys, on 127.0.0.1 only. */
  insecure?: boolean | undefined;
  /** The loaded `runstream.config.ts`: its tools, agents and MCP servers are served by the worker. */
  config?: ValidatedConfig | undefined;
  onReady?: (info: { apiUrl: string; apiKey: string }) => Promise<void>;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/** A stable dev key in .runstream/, so a restarted `runstream dev` keeps working with the same CLI setup. */
function devApiKey(dir: string): string {
  const file = join(dir, 'api-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = `rs_dev_${randomBytes(18).toString('base64url')}`;
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

async function portOrFree(preferred: number): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(freePort()));
    probe.listen(preferred, '127.0.0.1', () => probe.close(() => resolve(preferred)));
  });
}

/**
 * Everything on one machine: a Temporal dev server and a redis-server unless
 * TEMPORAL_ADDRESS / REDIS_URL point elsewhere (state under .runstream/), a
 * worker and the API, in this process. Runs until SIGINT / SIGTERM.
 */
export async function runDev(options: DevOptions = {}): Promise<void> {
  const env = readEnv();
  const dir = stateDir();
  mkdirSync(dir, { recursive: true });
  const logDir = join(dir, 'logs');
  const services: LocalService[] = [];
  let api: ApiProcess | undefined;
  const stopAll = async () => {
    await api?.close().catch(() => undefined);
    for (const service of services.reverse()) await service.stop().catch(() => undefined);
    rmSync(devStateFile(), { force: true });
  };

  try {
    let temporalAddress = env.TEMPORAL_ADDRESS;
    if (!temporalAddress) {
      log('starting a Temporal dev server (state in .runstream/temporal.db)…');
      const temporal = await startTemporalDevServer({ dbFile: join(dir, 'temporal.db'), logDir });
      services.push(temporal);
      temporalAddress = temporal.address;
    }
    let redisUrl = env.REDIS_URL;
    if (!redisUrl) {
      log('starting redis-server (data in .runstream/redis)…');
      const redis = await startRedisServer({ logDir, dataDir: join(dir, 'redis') });
      services.push(redis);
      redisUrl = redis.address;
    }
    const apiKeys = env.RUNSTREAM_API_KEYS ?? devApiKey(dir);
    const apiKey = apiKeys.split(',')[0]?.trim() ?? '';
    const full = { ...env, TEMPORAL_ADDRESS: temporalAddress, REDIS_URL: redisUrl, RUNSTREAM_API_KEYS: apiKeys };

    // One process: the API's /metrics shows the worker's metrics and the Temporal runtime's too.
    const worker = await startWorkerProcess(full, { ...(options.config ? { config: options.config } : {}), worker: { temporalMetrics: true } });
    const workerRun = worker.run();
    api = await startApiProcess(full, {
      port: options.port ?? (await portOrFree(env.RUNSTREAM_PORT)),
      insecure: options.insecure,
    });
    writeFileSync(devStateFile(), JSON.stringify({ apiUrl: api.url, apiKey }), { mode: 0o600 });

    log('');
    log(`runstream is running`);
    log(`  API          ${api.url}`);
    log(`  API key      ${apiKey}${options.insecure ? '   (--insecure: not required from this machine)' : ''}`);
    log(`  viewer page  ${api.url}/   (recent runs; it asks for the API key)`);
    log(`  metrics      ${api.url}/metrics`);
    log(`  Temporal     ${temporalAddress}   Redis ${redisUrl}`);
    log(`  try          npx runstream run "What is (17+25)*3?" --follow`);
    log('');

    const shutdown = new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await options.onReady?.({ apiUrl: api.url, apiKey });
    await Promise.race([shutdown, workerRun]);
    log('stopping…');
    // The SDK shuts the worker down on SIGINT/SIGTERM by itself; only ask when it has not.
    if (worker.worker.getState() === 'RUNNING') worker.worker.shutdown();
    await workerRun.catch(() => undefined);
  } finally {
    await stopAll();
  }
}
