import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisClient } from '../../src/redis.js';
import { z } from 'zod';
import { defineTool, type Tool } from '../../src/tools/tool.js';

/**
 * Tools the chaos worker registers. Each counts its invocations in Redis by
 * idempotency key; `record_effect` applies its side effect once per key
 * (SET NX), as an idempotent tool must; `once_only` is declared at-most-once.
 */
export const chaosKeys = (prefix: string) => ({
  invocations: (key: string) => `${prefix}chaos:invocations:${key}`,
  effects: (key: string) => `${prefix}chaos:effects:${key}`,
  effectDone: (key: string) => `${prefix}chaos:effect-done:${key}`,
});

export function chaosTools(redis: RedisClient, prefix: string, toolDelayMs: number): Tool[] {
  const keys = chaosKeys(prefix);
  const recordEffect = defineTool({
    name: 'record_effect',
    description: 'Records a side effect once per call.',
    parameters: z.object({ label: z.string() }),
    retry: 'idempotent',
    execute: async ({ label }, context) => {
      await redis.incr(keys.invocations(context.idempotencyKey));
      await sleep(toolDelayMs, undefined, { signal: context.signal });
      // The effect is keyed by the idempotency key: a retry after a crash finds it done.
      if ((await redis.set(keys.effectDone(context.idempotencyKey), '1', 'NX')) === 'OK') {
        await redis.incr(keys.effects(context.idempotencyKey));
      }
      return { label, recorded: true };
    },
  });
  const onceOnly = defineTool({
    name: 'once_only',
    description: 'A side effect that must never repeat.',
    parameters: z.object({ label: z.string() }),
    retry: 'at-most-once',
    execute: async ({ label }, context) => {
      await redis.incr(keys.invocations(context.idempotencyKey));
      await sleep(toolDelayMs, undefined, { signal: context.signal });
      return { label, sent: true };
    },
  });
  return [recordEffect, onceOnly];
}
