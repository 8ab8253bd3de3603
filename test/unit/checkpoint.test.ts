import { describe, expect, it } from 'vitest';
import { LoggedText, readCheckpoint, takeCheckpoint, type StepCheckpoint } from '../../activities/checkpoint.js';
import { StepAccumulator } from '../../activities/step-accumulator.js';
import { planResume } from '../../activities/step-resume.js';
import { emptyStepView, type StepView } from '../../src/protocol/index.js';

const settings = { intervalMs: 1_000, intervalChars: 2_048, maxTextChars: 10, maxReasoningChars: 100 };
const checkpoint = (overrides: Partial<StepCheckpoint>): StepCheckpoint => ({ version: 1, textLength: 5, text: 'Hello', loggedLength: 3, ...overrides });
/** The step as the log shows it: its text, and whatever else a test adds. */
const shown = (text: string, rest: Partial<StepView> = {}) => async (): Promise<StepView> => ({ ...emptyStepView(1), text, ...rest });

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

  it('logged reasoning advances block by block with the text, from what a resume kept', () => {
    const logged = new LoggedText(0, [{ blockId: 'a', length: 2 }]);
    logged.publishedReasoning(0, 'a', 4);
    logged.publishedReasoning(1, 'b', 3);
    logged.published(2, 5);
    expect(logged.update(-1, undefined)).toBe(0);
    expect(logged.reasoning).toEqual([{ blockId: 'a', length: 2 }]);
    expect(logged.update(1, undefined)).toBe(0);
    expect(logged.reasoning).toEqual([{ blockId: 'a', length: 4 }, { blockId: 'b', length: 3 }]);
    const accumulated = new StepAccumulator({ text: 'hello', reasoning: [{ blockId: 'a', text: 'abcd' }, { blockId: 'b', text: 'xyz' }] });
    expect(takeCheckpoint(accumulated, { loggedLength: logged.update(2, undefined), loggedReasoning: logged.reasoning, lastLogId: '1-0' }, settings)).toMatchObject({
      loggedLength: 5,
      loggedReasoning: [{ blockId: 'a', length: 4 }, { blockId: 'b', length: 3 }],
    });
  });

  it('keeps the text under the size bound, offsets only above it', () => {
    const accumulated = new StepAccumulator({ text: 'short' });
    expect(takeCheckpoint(accumulated, { loggedLength: 9, lastLogId: '1-0' }, settings)).toEqual({ version: 1, textLength: 5, text: 'short', loggedLength: 5, lastLogId: '1-0' });
    const long = takeCheckpoint(new StepAccumulator({ text: 'much longer than ten' }), { loggedLength: 4, lastLogId: undefined }, settings);
    expect(long).toEqual({ version: 1, textLength: 20, loggedLength: 4 });
    expect(readCheckpoint(long)).toEqual(long);
    expect(readCheckpoint({ text: 'no version' })).toBeUndefined();
  });

  it('by reference, carries only the tail the log has not confirmed; a tail past the size bound is left out', () => {
    const accumulated = new StepAccumulator({ text: 'Hello world' });
    expect(takeCheckpoint(accumulated, { loggedLength: 7, lastLogId: '5-0', byReference: true }, settings)).toEqual({
      version: 1,
      textLength: 11,
      tail: 'orld',
      loggedLength: 7,
      lastLogId: '5-0',
    });
    expect(takeCheckpoint(accumulated, { loggedLength: 0, lastLogId: undefined, byReference: true }, settings)).toEqual({ version: 1, textLength: 11, loggedLength: 0 });
    // Not trusted: the text itself, as before.
    expect(takeCheckpoint(new StepAccumulator({ text: 'Hello' }), { loggedLength: 3, lastLogId: '5-0', byReference: false }, settings)).toMatchObject({ text: 'Hello' });
  });

  it('continues a checkpoint by reference from the log and its tail, or regenerates when the log holds less', async () => {
    const reference = checkpoint({ text: undefined, tail: ' wor', textLength: 9, loggedLength: 5, lastLogId: '5-0' });
    // The log went on differently past the offset (a later attempt's text): the checkpoint's tail stands.
    expect(await planResume({ checkpoint: reference, continuesPartialText: true, readLoggedStep: shown('Hello there') })).toEqual({
      kind: 'continue',
      rollbackTo: 5,
      text: 'Hello wor',
      reasoning: [],
      keepReasoning: [],
      republish: ' wor',
      unchecked: 0,
    });
    expect(await planResume({ checkpoint: reference, continuesPartialText: true, readLoggedStep: shown('Hel') })).toMatchObject({ kind: 'regenerate', rollbackTo: 0 });
    expect(await planResume({ checkpoint: reference, continuesPartialText: true, readLoggedStep: async () => undefined })).toMatchObject({ kind: 'regenerate' });
    // Nothing logged yet and no log to read: the tail is the whole text.
    expect(
      await planResume({ checkpoint: checkpoint({ text: undefined, tail: 'Hi', textLength: 2, loggedLength: 0 }), continuesPartialText: true, readLoggedStep: async () => undefined }),
    ).toMatchObject({ kind: 'continue', rollbackTo: 0, text: 'Hi', republish: 'Hi' });
  });

  it('carries on from all the text the log holds past the last checkpoint: viewers lose nothing they saw', async () => {
    const reference = checkpoint({ text: undefined, tail: ' wor', textLength: 9, loggedLength: 5, lastLogId: '5-0' });
    expect(await planResume({ checkpoint: reference, continuesPartialText: true, readLoggedStep: shown('Hello world, and more') })).toEqual({
      kind: 'continue',
      rollbackTo: 21,
      text: 'Hello world, and more',
      reasoning: [],
      keepReasoning: [],
      republish: '',
      unchecked: 12,
    });
    // A predecessor that died before its first checkpoint: the log alone says what it streamed.
    const nothing: StepCheckpoint = { version: 1, textLength: 0, loggedLength: 0 };
    expect(await planResume({ checkpoint: nothing, continuesPartialText: true, readLoggedStep: shown('Hi there') })).toMatchObject({ kind: 'continue', rollbackTo: 8, text: 'Hi there', republish: '' });
    expect(await planResume({ checkpoint: nothing, continuesPartialText: true, readLoggedStep: shown('') })).toMatchObject({ kind: 'regenerate', reason: 'no text yet' });
    expect(await planResume({ checkpoint: nothing, continuesPartialText: true, readLoggedStep: async () => undefined })).toMatchObject({ kind: 'regenerate' });
    // Past the checkpoint the log holds more than text (a tool call, new reasoning) or the finished step: the checkpoint stands.
    const call = { callId: 'c', name: 't', argumentsText: '{}', state: 'streaming' as const };
    for (const rest of [{ toolCalls: [call] }, { reasoning: [{ blockId: 'r', text: 'hm', finished: true, redacted: false }] }, { finished: true }] as Partial<StepView>[]) {
      expect(await planResume({ checkpoint: reference, continuesPartialText: true, readLoggedStep: shown('Hello world, and more', rest) })).toMatchObject({ rollbackTo: 5, text: 'Hello wor' });
    }
    // Reasoning the checkpoint already holds is no reason to stop at it.
    const withReasoning = checkpoint({ text: undefined, tail: '', textLength: 5, loggedLength: 5, reasoning: [{ blockId: 'r', text: 'hmm' }] });
    expect(
      await planResume({ checkpoint: withReasoning, continuesPartialText: true, readLoggedStep: shown('Hello world', { reasoning: [{ blockId: 'r', text: 'hmm', finished: true, redacted: false }] }) }),
    ).toMatchObject({ rollbackTo: 11, text: 'Hello world' });
  });

  it('plans a continuation from the logged offset, or a regeneration', async () => {
    const noLog = async () => undefined;
    expect(await planResume({ checkpoint: checkpoint({}), continuesPartialText: true, readLoggedStep: noLog })).toEqual({
      kind: 'continue',
      rollbackTo: 3,
      text: 'Hello',
      reasoning: [],
      keepReasoning: [],
      republish: 'lo',
      unchecked: 0,
    });
    // Reasoning is kept as far as the log held it, block by block; a block the log never got is dropped.
    const withReasoning = checkpoint({
      reasoning: [{ blockId: 'a', text: 'think' }, { blockId: 'b', text: 'more' }],
      loggedReasoning: [{ blockId: 'a', length: 9 }],
    });
    expect(await planResume({ checkpoint: withReasoning, continuesPartialText: true, readLoggedStep: noLog })).toMatchObject({
      kind: 'continue',
      keepReasoning: [{ blockId: 'a', length: 5 }],
    });
    expect(await planResume({ checkpoint: withReasoning, continuesPartialText: false, readLoggedStep: noLog })).toMatchObject({ kind: 'regenerate', keepReasoning: [] });
    expect(await planResume({ checkpoint: checkpoint({}), continuesPartialText: false, readLoggedStep: noLog })).toMatchObject({ kind: 'regenerate', rollbackTo: 0 });
    expect(await planResume({ checkpoint: checkpoint({ toolCalls: [{ callId: 'c', name: 't', arguments: {} }] }), continuesPartialText: true, readLoggedStep: noLog })).toMatchObject({ kind: 'regenerate' });
    expect(await planResume({ checkpoint: undefined, continuesPartialText: true, readLoggedStep: noLog })).toMatchObject({ kind: 'regenerate' });
    const offsetsOnly = checkpoint({ text: undefined, textLength: 50, loggedLength: 4 });
    expect(await planResume({ checkpoint: offsetsOnly, continuesPartialText: true, readLoggedStep: shown('Hell') })).toMatchObject({ kind: 'continue', rollbackTo: 4, text: 'Hell', republish: '' });
    expect(await planResume({ checkpoint: offsetsOnly, continuesPartialText: true, readLoggedStep: noLog })).toMatchObject({ kind: 'regenerate' });
  });
});
