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

  it('notices at the next append a log that lost what it had acknowledged, and marks the gap before it', async () => {
    const runId = 'run_lostlog0000';
    const event = (offset: number) => ({ type: 'text.delta', step: 1, offset, text: 'x', runId, at: new Date().toISOString() }) as const;
    let lost = 0;
    const onLost = () => lost++;
    await log.append(runId, [0, 1, 2].map((seq) => ({ producer: 'p1', seq, event: event(seq) })), { acknowledgedSeq: -1, onLost });
    // A later append from where the log stands is not a loss.
    await log.append(runId, [{ producer: 'p1', seq: 3, event: event(3) }], { acknowledgedSeq: 2, onLost });
    expect(lost).toBe(0);
    expect(await log.covers(runId, undefined)).toBe(true);

    // Redis forgets the run (a restart without persistence): the next append must not pass for a whole log.
    await commands.del(log.logKey(runId), log.cursorKey(runId));
    const ids = await log.append(runId, [{ producer: 'p1', seq: 4, event: event(4) }], { acknowledgedSeq: 3, onLost });
    expect(lost).toBe(1);
    expect(ids).toHaveLength(1);
    expect(await commands.get(log.gapKey(runId))).not.toBeNull();
    expect(await log.covers(runId, undefined)).toBe(false);
    // The gap sits before the new entry: a viewer that already has it is whole again.
    expect(await log.covers(runId, ids[0])).toBe(true);
  });

  it('a publisher keeps that its log lost entries, whatever it appends after', async () => {
    const runId = 'run_lostpub0000';
    const publisher = new RunPublisher(log, runId, { producer: 'writer' });
    publisher.publish({ type: 'text.delta', step: 1, offset: 0, text: 'a' });
    await publisher.flush();
    expect(publisher.lostAppended).toBe(false);
    await commands.del(log.logKey(runId), log.cursorKey(runId));
    publisher.publish({ type: 'text.delta', step: 1, offset: 1, text: 'b' });
    await publisher.flush();
    expect(publisher.lostAppended).toBe(true);
    publisher.publish({ type: 'text.delta', step: 1, offset: 2, text: 'c' });
    await publisher.flush();
    expect(publisher.lostAppended).toBe(true);
    publisher.close();
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
