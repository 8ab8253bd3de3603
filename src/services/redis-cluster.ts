import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

/**
 * A real Redis Cluster on this machine: `masters` redis-servers started with
 * `--cluster-enabled yes`, joined by `redis-cli --cluster create`, each with
 * `replicasPerMaster` replicas. Used by `runstream topology` and by the tests
 * that run streaming, crashes and failovers against a cluster.
 */

export interface RedisClusterOptions {
  /** Where each node keeps its nodes.conf and log. */
  dir: string;
  masters?: number;
  replicasPerMaster?: number;
  /** How long a master may be unreachable before its replica takes over (cluster-node-timeout). */
  nodeTimeoutMs?: number;
  binary?: string;
}

export interface RedisClusterNode {
  port: number;
  address: string;
  pid: number | undefined;
  /** SIGKILL: a crashed master, for its replica to replace. */
  kill(): void;
}

export interface RedisCluster {
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,…`: what REDIS_URL takes. */
  url: string;
  nodes: RedisClusterNode[];
  /** The node serving `slot` as master right now. */
  masterOf(slot: number): Promise<RedisClusterNode>;
  /** A replica of the master serving `slot`. */
  replicaOf(slot: number): Promise<RedisClusterNode>;
  /**
   * A manual failover (CLUSTER FAILOVER on a replica of the slot's master):
   * the replica catches up with its master, then takes over; resolves once
   * every node agrees on the new master.
   */
  failover(slot: number): Promise<{ from: RedisClusterNode; to: RedisClusterNode }>;
  /** Resolves once every live node says cluster_state:ok and agrees on who serves `slot`. */
  waitHealthy(slot?: number): Promise<void>;
  stop(): Promise<void>;
}

const cliBinary = (serverBinary: string) => (serverBinary.endsWith('redis-server') ? serverBinary.replace(/redis-server$/, 'redis-cli') : 'redis-cli');

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function untilTrue(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Redis Cluster: ${what} within ${timeoutMs / 1000}s`);
    await sleep(100);
  }
}

/** One short-lived connection to a node, for admin commands. */
async function onNode<T>(port: number, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

/** `CLUSTER NODES` → the port of the master serving `slot`, and the ports of its replicas. */
function shardOf(nodesText: string, slot: number): { master?: number; replicas: number[] } {
  const rows = nodesText
    .trim()
    .split('\n')
    .map((line) => line.split(' '));
  const port = (row: string[]) => Number(row[1]!.split('@')[0]!.split(':').at(-1));
  const serves = (row: string[]) =>
    row.slice(8).some((range) => {
      const [low, high = low] = range.split('-').map(Number);
      return low !== undefined && high !== undefined && slot >= low && slot <= high;
    });
  const master = rows.find((row) => row[2]!.includes('master') && !row[2]!.includes('fail') && serves(row));
  if (!master) return { replicas: [] };
  const replicas = rows.filter((row) => row[3] === master[0] && !row[2]!.includes('fail')).map(port);
  return { master: port(master), replicas };
}

export async function startRedisCluster(options: RedisClusterOptions): Promise<RedisCluster> {
  const binary = options.binary ?? 'redis-server';
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 0;
  const count = masters * (1 + replicas);
  const children = new Map<number, ChildProcess>();
  const ports: number[] = [];
  for (let index = 0; index < count; index++) ports.push(await freePort());
  for (const port of ports) {
    const dir = join(options.dir, String(port));
    mkdirSync(dir, { recursive: true });
    const child = spawn(
      binary,
      [
        '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
        '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf',
        '--cluster-node-timeout', String(options.nodeTimeoutMs ?? 2_000),
        '--save', '', '--appendonly', 'no', '--daemonize', 'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const log = createWriteStream(join(dir, 'redis.log'), { flags: 'a' });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    const stopOnExit = () => child.kill('SIGTERM');
    process.once('exit', stopOnExit);
    child.once('exit', () => process.removeListener('exit', stopOnExit));
    children.set(port, child);
  }
  const stopAll = () => Promise.all([...children.values()].map(stop)).then(() => undefined);
  try {
    for (const port of ports) await untilTrue(`node ${port} did not answer`, () => onNode(port, async (redis) => (await redis.ping()) === 'PONG'), 20_000);
    const created = spawnSync(
      cliBinary(binary),
      ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', String(replicas), '--cluster-yes'],
      { encoding: 'utf8' },
    );
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stderr || created.stdout}`);
  } catch (error) {
    await stopAll();
    throw error;
  }

  const node = (port: number): RedisClusterNode => ({
    port,
    address: `127.0.0.1:${port}`,
    pid: children.get(port)?.pid,
    kill: () => children.get(port)?.kill('SIGKILL'),
  });
  const alive = () => ports.filter((port) => children.get(port)?.exitCode === null && children.get(port)?.signalCode === null);
  const shard = async (slot: number) => {
    for (const port of alive()) {
      const found = await onNode(port, async (redis) => shardOf(String(await redis.call('CLUSTER', 'NODES')), slot)).catch(() => undefined);
      if (found?.master !== undefined) return found as { master: number; replicas: number[] };
    }
    throw new Error(`Redis Cluster: no live master serves slot ${slot}`);
  };
  const waitHealthy = async (slot?: number) =>
    untilTrue(
      'the nodes did not agree on a healthy cluster',
      async () => {
        const views = await Promise.all(
          alive().map((port) =>
            onNode(port, async (redis) => {
              const info = String(await redis.call('CLUSTER', 'INFO'));
              const nodes = String(await redis.call('CLUSTER', 'NODES'));
              // Replicas count once every node sees them attached and in sync (a failover needs one).
              const attached = nodes.split('\n').filter((line) => / (slave|replica) /.test(` ${line.split(' ')[2]?.replaceAll(',', ' ')} `) && / connected/.test(line)).length;
              return { ok: info.includes('cluster_state:ok') && attached >= replicas * masters, master: slot === undefined ? 0 : shardOf(nodes, slot).master };
            }),
          ),
        );
        return views.every((view) => view.ok && view.master !== undefined && view.master === views[0]!.master);
      },
      30_000,
    );
  await waitHealthy(0);

  return {
    url: `redis+cluster://${ports.map((port) => `127.0.0.1:${port}`).join(',')}`,
    nodes: ports.map(node),
    masterOf: async (slot) => node((await shard(slot)).master),
    replicaOf: async (slot) => {
      const { replicas: found } = await shard(slot);
      if (found[0] === undefined) throw new Error(`Redis Cluster: slot ${slot}'s master has no replica`);
      return node(found[0]);
    },
    failover: async (slot) => {
      const { master, replicas: found } = await shard(slot);
      const replica = found[0];
      if (replica === undefined) throw new Error(`Redis Cluster: slot ${slot}'s master has no replica`);
      await onNode(replica, (redis) => redis.call('CLUSTER', 'FAILOVER'));
      await untilTrue(`${replica} did not take slot ${slot} over`, async () => (await shard(slot)).master === replica, 30_000);
      await waitHealthy(slot);
      return { from: node(master), to: node(replica) };
    },
    waitHealthy,
    stop: stopAll,
  };
}
