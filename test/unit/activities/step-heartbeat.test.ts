import type { Context } from '@temporalio/activity';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { heartbeatEveryMs, StepHeartbeat } from '../../../activities/step-heartbeat.js';
import type { StepCheckpoint } from '../../../activities/checkpoint.js';

const settings = { intervalMs: 1_000, intervalChars: 2_048, maxTextChars: 128 * 1024, maxReasoningChars: 64 * 1024 };

/** The part of an activity's Context a step heartbeat uses, recording every heartbeat call. */
function fakeContext(heartbeatTimeoutMs: number | undefined) {
  const sent: unknown[] = [];
  const context = { info: { heartbeatTimeoutMs }, heartbeat: (details?: unknown) => sent.push(details) } as unknown as Context;
  return { context, sent };
}

describe('step heartbeats', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('go out every 5 s with the default 10 s timeout, and every tick when the timeout is short', () => {
    expect(heartbeatEveryMs(undefined)).toBe(5_000);
    expect(heartbeatEveryMs(10_000)).toBe(5_000);
    expect(heartbeatEveryMs(60_000)).toBe(5_000);
    expect(heartbeatEveryMs(4_000)).toBe(2_000);
    expect(heartbeatEveryMs(2_000)).toBe(1_000);
    expect(heartbeatEveryMs(1_000)).toBe(500);

    const { context, sent } = fakeContext(10_000);
    const heartbeat = new StepHeartbeat(context, settings, () => ({ version: 1, textLength: 0, loggedLength: 0 }));
    vi.advanceTimersByTime(10_000);
    heartbeat.stop();
    // The first at once, then one per 5 s: 3 where a 2 s cadence sent 6 and the old 500 ms timer 21.
    expect(sent).toHaveLength(3);
  });

  it('carry a checkpoint taken when it was due, and one at once after 2 KB of output or a complete tool call', () => {
    const { context, sent } = fakeContext(10_000);
    let taken = 0;
    const take = (): StepCheckpoint => ({ version: 1, textLength: ++taken, loggedLength: 0 });
    const heartbeat = new StepHeartbeat(context, settings, take);
    expect(sent).toEqual([undefined]);
    heartbeat.output(2_048);
    expect(sent.at(-1)).toMatchObject({ textLength: 1 });
    heartbeat.output(0, true);
    expect(sent.at(-1)).toMatchObject({ textLength: 2 });
    vi.advanceTimersByTime(5_000);
    expect(sent.at(-1)).toMatchObject({ textLength: 3 });
    heartbeat.stop();
  });

  it('hurry after a cancel notice: one at once, then one every tick for ten seconds, then back to every 5 s', () => {
    const { context, sent } = fakeContext(10_000);
    const heartbeat = new StepHeartbeat(context, settings, () => ({ version: 1, textLength: 0, loggedLength: 0 }));
    vi.advanceTimersByTime(700);
    const before = sent.length;
    heartbeat.hurry();
    expect(sent.length).toBe(before + 1);
    vi.advanceTimersByTime(2_000);
    expect(sent.length).toBe(before + 1 + 4);
    vi.advanceTimersByTime(8_300);
    const afterHurry = sent.length;
    vi.advanceTimersByTime(10_000);
    expect(sent.length).toBe(afterHurry + 2);
    heartbeat.stop();
    vi.advanceTimersByTime(10_000);
    expect(sent.length).toBe(afterHurry + 2);
  });
});
