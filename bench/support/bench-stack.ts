import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { ScriptInput } from '../../src/demo/script.js';
import { startRedisServer, startTemporalDevServer, type LocalService } from '../../src/services/local-services.js';
import { ensureBinaries } from '../../src/services/setup.js';
import type { WatchResult } from '../roles/viewers-role.js';
import { startRole, type RoleProcess } from './role-process.js';

/**
 * What every end-to-end benchmark runs on: a private Temporal dev server (as
 * `runstream dev` starts it), a private redis-server, and the local model
 * server in its own process, timing each chunk it writes.
 */
export interface BenchServers {
  temporal: LocalService;
  redis: LocalService;
  model: RoleProcess;
  client: Client;
  /** The environment runstream's worker and API processes get. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export const benchApiKey = 'bench-key';
/** Characters per model token in the scripts: one `text.delta` per token, its index is offset / chunkSize. */
export const chunkSize = 4;

export async function startBenchServers(name: string): Promise<BenchServers> {
  const binaries = ensureBinaries({ temporal: true, redis: true });
  const logDir = join(mkdtempSync(join(tmpdir(), `runstream-bench-${name}-`)), 'logs');
  const [temporal, redis, model] = await Promise.all([
    startTemporalDevServer({ logDir, cli: binaries.temporal as string }),
    startRedisServer({ logDir, binary: binaries.redis as string }),
    startRole('model'),
  ]);
  // Histories of the inline design hold multi-megabyte events: a page of them passes gRPC's default 4 MiB.
  const connection = await Connection.connect({ address: temporal.address, channelArgs: { 'grpc.max_receive_message_length': 128 * 1024 * 1024 } });
  const env = {
    TEMPORAL_ADDRESS: temporal.address,
    REDIS_URL: redis.address,
    RUNSTREAM_TASK_QUEUE: `bench-${name}`,
    RUNSTREAM_KEY_PREFIX: `bench:${name}:`,
    RUNSTREAM_API_KEYS: benchApiKey,
    OPENAI_API_KEY: 'bench',
    OPENAI_BASE_URL: String(model.ready.openaiBaseURL),
  };
  return {
    temporal,
    redis,
    model,
    client: new Client({ connection }),
    env,
    stop: async () => {
      await connection.close().catch(() => undefined);
      await model.stop();
      await Promise.all([temporal.stop(), redis.stop()]);
    },
  };
}

/** A model turn of `tokens` tokens at `tokensPerSecond`, optionally silent for `stallMs` before the first one (so viewers can attach first). */
export function tokenScript(tokens: number, tokensPerSecond: number, stallMs = 0): ScriptInput {
  return {
    turns: [{ text: 'tok '.repeat(tokens), chunkSize, delayMs: Math.round(1000 / tokensPerSecond) }],
    failures: stallMs > 0 ? [{ stallMs, afterChunks: 0 }] : [],
  };
}

export type ChunkTiming = { receivedAt: number; chunkAt: number[] };

/**
 * Per delivered token: when a viewer got it minus when the model server wrote
 * it. Chunk 0 of a Chat Completions stream is the role chunk, so token k is chunk k + 1.
 */
export function deltaLatencies(result: WatchResult, timing: ChunkTiming, tokens: number, into: number[] = []): number[] {
  for (let viewer = 0; viewer < result.viewers; viewer++) {
    for (let token = 0; token < tokens; token++) {
      const at = result.receivedAt[viewer * tokens + token]!;
      const written = timing.chunkAt[token + 1];
      if (!Number.isNaN(at) && written !== undefined) into.push(at - written);
    }
  }
  return into;
}

/** Spreads `count` viewers over the viewer processes as evenly as possible. */
export function spread(count: number, processes: number): number[] {
  return Array.from({ length: processes }, (_, index) => Math.floor(count / processes) + (index < count % processes ? 1 : 0)).filter((n) => n > 0);
}

/** Waits until `check` holds, polling; throws after `timeoutMs`. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
