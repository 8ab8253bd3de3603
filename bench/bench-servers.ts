import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer, type LocalService } from '../src/services/local-services.js';

/** A private redis-server for one benchmark, so nothing else on the machine shares it. */
export async function benchRedis(): Promise<LocalService> {
  return startRedisServer({ logDir: mkdtempSync(join(tmpdir(), 'runstream-bench-')) });
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export const formatMs = (ms: number) => `${ms.toFixed(2)} ms`;
