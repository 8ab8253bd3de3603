import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer, type LocalService } from '../src/services/local-services.js';

/** A private redis-server for one benchmark, so nothing else on the machine shares it. */
export async function benchRedis(): Promise<LocalService> {
  return startRedisServer({ logDir: mkdtempSync(join(tmpdir(), 'runstream-bench-')) });
}
