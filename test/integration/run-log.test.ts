import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { followRun } from '../../src/bus/follow-run.js';
import { LiveSubscriptions } from '../../src/bus/live-subscriptions.js';
import { RunLog } from '../../src/bus/run-log.js';
import { RunPublisher } from '../../src/bus/run-publisher.js';
import type { LoggedEvent } from '../../src/protocol/index.js';

describe('the run log on a real redis-server', () => {
  const commands = new Redis(inject('redisUrl'));
  const subscriber = new Redis(inject('redisUrl'));
  const log = new RunLog(commands, { keyPrefix: `test:log:${randomBytes(4).toString('hex')}:`, ttlSeconds: 60 });
  const live = new LiveSubscriptions(subscriber);
  afterAll(() => {
    commands.disconnect();
    subscriber.disconnect();
  });

  it('does not append a re-sent entry twice (producer + sequence dedupe)', async () => {
    const runId = 'run_dedupe00000';
    const event = { type: 'step.started', step: 1, runId, at: new Date().toISOString() } as const;
    const first = await log.append(runId, [{ producer: 'p1', seq: 0, event }]);
    const again = await log.append(runId, [{ producer: 'p1', seq: 0, event }]);
    expect(again).toEqual(first);
    expect(await log.read(runId, undefined)).toHaveLength(1);
    expect(await commands.ttl(log.logKey(runId))).toBeGreaterThan(0);
  });

  it('merges replay and live with no gap and no duplicate while the writer keeps writing', async () => {
    const runId = 'run_merge000000';
    const publisher = new RunPublisher(log, runId, { producer: 'writer' });
    for (let index = 0; index < 300; index++) publisher.publish({ type: 'text.delta', step: 1, offset: index, text: 'x' });
    await publisher.flush();
    const seen: LoggedEvent[] = [];
    const following = (async () => {
      for await (const entry of followRun(log, live, runId, { pageSize: 50 })) seen.push(entry);
    })();
    // Keep appending while the follower replays page by page.
    for (let index = 300; index < 600; index++) {
      publisher.publish({ type: 'text.delta', step: 1, offset: index, text: 'x' });
      if (index % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    publisher.publish({ type: 'run.cancelled', partial: 'x'.repeat(600) });
    await publisher.flush();
    await following;
    expect(seen).toHaveLength(601);
    expect(seen.slice(0, 600).map((entry) => (entry.event.type === 'text.delta' ? entry.event.offset : -1))).toEqual(
      Array.from({ length: 600 }, (_, index) => index),
    );
    expect(live.channelCount).toBe(0);
  });
});
