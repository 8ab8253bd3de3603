import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { ensureBinaries } from './setup.js';

/**
 * Starting and stopping the servers runstream needs on one machine: a
 * Temporal dev server and a redis-server, on free local ports. Used by
 * `runstream dev` and by the test suite's global setup.
 */

export interface LocalService {
  address: string;
  /** The server's process id (benchmarks read its CPU time from /proc). */
  pid?: number | undefined;
  stop(): Promise<void>;
}

export interface TemporalDevServerOptions {
  /** SQLite file that keeps runs across restarts; in memory when omitted. */
  dbFile?: string;
  port?: number;
  logDir: string;
  /** `--dynamic-config-value` entries, e.g. `{ 'limit.historyCount.suggestContinueAsNew': 40 }`. */
  dynamicConfig?: Record<string, unknown>;
  cli?: string;
}

export interface RedisServerOptions {
  port?: number;
  logDir: string;
  /** Keep the log across restarts (append-only file in this directory); nothing is persisted when omitted. */
  dataDir?: string;
  binary?: string;
}

async function waitFor(what: string, child: ChildProcess, ready: () => Promise<boolean>, timeoutMs: number, logFile: string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}; see ${logFile}`);
    if (await ready().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000}s; see ${logFile}`);
}

function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function spawnLogged(command: string, args: string[], logFile: string): ChildProcess {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  // A server must not outlive the process that started it, however that process ends.
  const stopOnExit = () => child.kill('SIGTERM');
  process.once('exit', stopOnExit);
  child.once('exit', () => process.removeListener('exit', stopOnExit));
  return child;
}

export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<LocalService> {
  const cli = options.cli ?? ensureBinaries({ temporal: true, redis: false }).temporal;
  if (!cli) throw new Error('the Temporal CLI is missing');
  mkdirSync(options.logDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const args = ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn'];
  args.push('--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=OFF');
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  for (const [key, value] of Object.entries(options.dynamicConfig ?? {})) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  const logFile = join(options.logDir, 'temporal.log');
  const child = spawnLogged(cli, args, logFile);
  const address = `127.0.0.1:${port}`;
  await waitFor(
    'the Temporal dev server',
    child,
    async () => {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        return true;
      } finally {
        await connection.close();
      }
    },
    60_000,
    logFile,
  );
  return { address, pid: child.pid, stop: () => stopChild(child) };
}

export async function startRedisServer(options: RedisServerOptions): Promise<LocalService> {
  const binary = options.binary ?? ensureBinaries({ temporal: false, redis: true }).redis;
  if (!binary) throw new Error('redis-server is missing');
  mkdirSync(options.logDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--daemonize', 'no'];
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    args.push('--dir', options.dataDir, '--appendonly', 'yes');
  } else {
    args.push('--appendonly', 'no');
  }
  const logFile = join(options.logDir, 'redis.log');
  const child = spawnLogged(binary, args, logFile);
  const url = `redis://127.0.0.1:${port}`;
  await waitFor(
    'redis-server',
    child,
    async () => {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined); // a refused probe is expected until the server listens
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } finally {
        probe.disconnect();
      }
    },
    20_000,
    logFile,
  );
  return { address: url, pid: child.pid, stop: () => stopChild(child) };
}
