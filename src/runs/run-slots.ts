import type { RedisClient } from '../redis.js';

/**
 * Which API key's concurrency slot a run holds. The API records it when it
 * reserves the slot; whoever publishes the run's final event (the worker)
 * gives the slot back, so a key's set of active runs holds only runs that are
 * still going, without asking Temporal about each of them.
 */

const slotTtlSeconds = 7 * 24 * 3600;

export const runSlotKey = (keyPrefix: string, runId: string) => `${keyPrefix}{${runId}}:slot`;

/**
 * Remembers that `runId` holds a slot in the sorted set `activeKey`. A command of its own, not part of a
 * pipeline or script with the set: the run's key and the API key's set live in different cluster slots.
 */
export async function rememberRunSlot(redis: RedisClient, keyPrefix: string, runId: string, activeKey: string): Promise<void> {
  await redis.set(runSlotKey(keyPrefix, runId), activeKey, 'EX', slotTtlSeconds);
}

/** Gives the run's slot back, if it holds one. Two commands: the slot and the key's set may live on different cluster nodes. */
export async function releaseRunSlot(redis: RedisClient, keyPrefix: string, runId: string): Promise<void> {
  const activeKey = await redis.getdel(runSlotKey(keyPrefix, runId));
  if (activeKey) await redis.zrem(activeKey, runId);
}
