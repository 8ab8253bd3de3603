import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisCluster, type RedisCluster } from '../../src/services/redis-cluster.js';
import { ensureBinaries } from '../../src/services/setup.js';

/**
 * A real Redis Cluster for one test file: three masters (and a replica each
 * when the file fails one over), nodes in a temp directory, stopped with the file.
 */
export async function startTestCluster(name: string, options: { replicasPerMaster?: number } = {}): Promise<RedisCluster> {
  const binary = ensureBinaries({ temporal: false, redis: true }).redis;
  return startRedisCluster({
    dir: mkdtempSync(join(tmpdir(), `runstream-cluster-${name}-`)),
    masters: 3,
    replicasPerMaster: options.replicasPerMaster ?? 0,
    // Long enough that a node starved of CPU by the rest of the suite is not failed over behind the
    // test's back (an automatic failover to a replica that lags loses writes); the tests fail over by hand.
    nodeTimeoutMs: 10_000,
    ...(binary ? { binary } : {}),
  });
}
