import type { Redis } from 'ioredis';

/**
 * Which API key's concurrency slot a run holds. The API records it when it
 * reserves the slot; whoever publishes the run's final event (the worker)
 * gives the slot back, so a key's set of active runs holds only runs that are
 * still going, without asking Temporal about each of them.
 */

const slotTtlSeconds = 7 * 24 * 3600;

export const runSlotKey = (keyPrefix: string, runId: string) => `${keyPrefix}{${runId}}:slot`;

/** Remembers that `runId` holds a slot in the sorted set `activeKey` (queued on `pipeline`, to share its round trip). */
export function rememberRunSlot(pipeline: ReturnType<Redis['pipeline']>, keyPrefix: string, runId: string, activeKey: string): void {
  pipeline.set(runSlotKey(keyPrefix, runId), activeKey, 'EX', slotTtlSeconds);
}

/** Gives the run's slot back, if it holds one. Two commands: the slot and the key's set may live on different cluster nodes. */
export async function releaseRunSlot(redis: Redis, keyPrefix: string, runId: string): Promise<void> {
  const activeKey = await redis.getdel(runSlotKey(keyPrefix, runId));
  if (activeKey) await redis.zrem(activeKey, runId);
}
