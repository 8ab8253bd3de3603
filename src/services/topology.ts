import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTemporalDevServer, type LocalService } from './local-services.js';
import { startRedisCluster, type RedisCluster } from './redis-cluster.js';

/**
 * The production topology on one machine, without Docker: a Temporal dev
 * server (or a given one), a Redis Cluster, API processes and workers as real
 * child processes (`runstream api`, `runstream worker`), each with its log
 * file. `npm run topology` starts it for a person; the many-process tests
 * start it to kill its parts.
 */

// The package root: two levels up from src/services, three from dist/src/services.
const root = fileURLToPath(new URL(import.meta.url.includes('/dist/src/') ? '../../../' : '../../', import.meta.url));
const bin = join(root, 'bin', 'runstream.js');

export interface TopologyOptions {
  /** Logs and Redis node files. */
  dir: string;
  apis?: number;
  workers?: number;
  masters?: number;
  replicasPerMaster?: number;
  /** A Temporal frontend to use instead of starting a dev server. */
  temporalAddress?: string;
  temporalCli?: string;
  redisBinary?: string;
  /** The processes' environment (API keys, provider settings, task queue…); TEMPORAL_ADDRESS and REDIS_URL are set here. */
  env?: Record<string, string>;
}

/** One `runstream api` or `runstream worker` child. */
export class TopologyProcess {
  readonly child: ChildProcess;
  private text = '';
  private waiters: Array<() => void> = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The API's URL (APIs only), once it listens. */
  url: string | undefined;

  constructor(
    readonly name: string,
    args: string[],
    env: Record<string, string>,
    logFile: string,
  ) {
    this.child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = createWriteStream(logFile, { flags: 'a' });
    const collect = (chunk: Buffer) => {
      log.write(chunk);
      // Only the start-up lines are needed here; the log file keeps everything.
      if (this.text.length < 64_000) this.text += chunk.toString();
      for (const wake of this.waiters.splice(0)) wake();
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    const stopOnExit = () => this.child.kill('SIGKILL');
    process.once('exit', stopOnExit);
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        process.removeListener('exit', stopOnExit);
        log.end();
        for (const wake of this.waiters.splice(0)) wake();
        resolve({ code, signal });
      }),
    );
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get output(): string {
    return this.text;
  }

  async waitFor(pattern: RegExp, timeoutMs = 120_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.text.match(pattern);
      if (match) return match;
      if (!this.running) throw new Error(`${this.name} exited before it was ready:\n${this.text.slice(-4_000)}`);
      if (Date.now() > deadline) throw new Error(`${this.name} was not ready within ${timeoutMs / 1000}s:\n${this.text.slice(-4_000)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 1_000).unref();
      });
    }
  }

  /** Sends `signal` and waits for the exit (SIGKILL after `killAfterMs`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', killAfterMs = 20_000): Promise<void> {
    if (!this.running) return;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), killAfterMs);
    await this.exited;
    clearTimeout(timer);
  }
}

export interface Topology {
  temporalAddress: string;
  redisUrl: string;
  cluster: RedisCluster;
  apis: TopologyProcess[];
  workers: TopologyProcess[];
  /** The environment every process got. */
  env: Record<string, string>;
  /** Starts one more API process (ready once it listens) or worker (ready once it polls). */
  startApi(): Promise<TopologyProcess>;
  startWorker(): Promise<TopologyProcess>;
  stop(): Promise<void>;
}

export async function startTopology(options: TopologyOptions): Promise<Topology> {
  mkdirSync(options.dir, { recursive: true });
  const logs = join(options.dir, 'logs');
  mkdirSync(logs, { recursive: true });
  let temporal: LocalService | undefined;
  const [temporalAddress, cluster] = await Promise.all([
    options.temporalAddress ??
      startTemporalDevServer({ logDir: logs, ...(options.temporalCli ? { cli: options.temporalCli } : {}) }).then((started) => {
        temporal = started;
        return started.address;
      }),
    startRedisCluster({
      dir: join(options.dir, 'redis'),
      masters: options.masters ?? 3,
      replicasPerMaster: options.replicasPerMaster ?? 0,
      ...(options.redisBinary ? { binary: options.redisBinary } : {}),
    }),
  ]);
  const env = { ...options.env, TEMPORAL_ADDRESS: temporalAddress, REDIS_URL: cluster.url };
  const apis: TopologyProcess[] = [];
  const workers: TopologyProcess[] = [];
  const startApi = async () => {
    const api = new TopologyProcess(`api ${apis.length + 1}`, ['api', '--port', '0'], env, join(logs, `api-${apis.length + 1}.log`));
    apis.push(api);
    api.url = (await api.waitFor(/runstream API on (http:[^"\s]+)/))[1];
    return api;
  };
  const startWorker = async () => {
    const worker = new TopologyProcess(`worker ${workers.length + 1}`, ['worker'], env, join(logs, `worker-${workers.length + 1}.log`));
    workers.push(worker);
    await worker.waitFor(/worker polling/);
    return worker;
  };
  const stop = async () => {
    await Promise.all([...apis, ...workers].map((child) => child.stop()));
    await cluster.stop();
    await temporal?.stop();
  };
  try {
    // Workers first: each bundles the workflow code, the slow part of starting.
    await Promise.all([
      ...Array.from({ length: options.workers ?? 3 }, () => startWorker()),
      ...Array.from({ length: options.apis ?? 2 }, () => startApi()),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { temporalAddress, redisUrl: cluster.url, cluster, apis, workers, env, startApi, startWorker, stop };
}
