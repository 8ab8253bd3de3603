import { describe, expect, it } from 'vitest';
import { LoggedText, readCheckpoint, takeCheckpoint, type StepCheckpoint } from '../../activities/checkpoint.js';
import { StepAccumulator } from '../../activities/step-accumulator.js';
import { planResume } from '../../activities/step-resume.js';

const settings = { intervalMs: 1_000, intervalChars: 2_048, maxTextChars: 10, maxReasoningChars: 100 };
const checkpoint = (overrides: Partial<StepCheckpoint>): StepCheckpoint => ({ version: 1, textLength: 5, text: 'Hello', loggedLength: 3, ...overrides });

describe('checkpoints', () => {
  it('logged text advances over appended deltas and stops at a shed one', () => {
    const logged = new LoggedText();
    logged.published(0, 3);
    logged.published(1, 6);
    logged.published(2, 9);
    expect(logged.update(0, undefined)).toBe(3);
    expect(logged.update(2, 1)).toBe(3);
    expect(logged.update(5, 1)).toBe(3);
  });

  it('keeps the text under the size bound, offsets only above it', () => {
    const accumulated = new StepAccumulator({ text: 'short' });
    expect(takeCheckpoint(accumulated, { loggedLength: 9, lastLogId: '1-0' }, settings)).toEqual({ version: 1, textLength: 5, text: 'short', loggedLength: 5, lastLogId: '1-0' });
    const long = takeCheckpoint(new StepAccumulator({ text: 'much longer than ten' }), { loggedLength: 4, lastLogId: undefined }, settings);
    expect(long).toEqual({ version: 1, textLength: 20, loggedLength: 4 });
    expect(readCheckpoint(long)).toEqual(long);
    expect(readCheckpoint({ text: 'no version' })).toBeUndefined();
  });

  it('plans a continuation from the logged offset, or a regeneration', async () => {
    const noLog = async () => undefined;
    expect(await planResume({ checkpoint: checkpoint({}), continuesPartialText: true, readLoggedText: noLog })).toEqual({
      kind: 'continue',
      rollbackTo: 3,
      text: 'Hello',
      reasoning: [],
      republish: 'lo',
    });
    expect(await planResume({ checkpoint: checkpoint({}), continuesPartialText: false, readLoggedText: noLog })).toMatchObject({ kind: 'regenerate', rollbackTo: 0 });
    expect(await planResume({ checkpoint: checkpoint({ toolCalls: [{ callId: 'c', name: 't', arguments: {} }] }), continuesPartialText: true, readLoggedText: noLog })).toMatchObject({ kind: 'regenerate' });
    expect(await planResume({ checkpoint: undefined, continuesPartialText: true, readLoggedText: noLog })).toMatchObject({ kind: 'regenerate' });
    const offsetsOnly = checkpoint({ text: undefined, textLength: 50, loggedLength: 4 });
    expect(await planResume({ checkpoint: offsetsOnly, continuesPartialText: true, readLoggedText: async () => 'Hello world' })).toMatchObject({ kind: 'continue', rollbackTo: 4, text: 'Hell', republish: '' });
    expect(await planResume({ checkpoint: offsetsOnly, continuesPartialText: true, readLoggedText: noLog })).toMatchObject({ kind: 'regenerate' });
  });
});
