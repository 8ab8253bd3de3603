import type { Redis } from 'ioredis';

/** Calls per command from INFO commandstats; commands run inside Lua scripts are counted too. */
export async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const calls = new Map<string, number>();
  for (const line of info.split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (match) calls.set(match[1]!, Number(match[2]));
  }
  return calls;
}

/** Calls made between two readings, largest first. */
export function callsBetween(before: Map<string, number>, after: Map<string, number>): [string, number][] {
  return [...after]
    .map(([name, count]): [string, number] => [name, count - (before.get(name) ?? 0)])
    .filter(([name, count]) => count > 0 && name !== 'info')
    .sort((a, b) => b[1] - a[1]);
}
