import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectOutcome, fixtureBytes, fixtureNames, mapPieces, modelFor, protocols, splitAt, startReplayServer } from './fixture-replay.js';

/**
 * Every recorded fixture maps to the same neutral events however the network
 * cuts it: at any byte, inside multibyte characters, between CR and LF.
 */

const cases = protocols.flatMap((protocol) => fixtureNames.map((name) => [protocol, name] as const));

describe('fixture replay: split anywhere, same events', () => {
  it.each(cases)('%s/%s: many random splits equal the unsplit stream', async (protocol, name) => {
    const bytes = fixtureBytes(protocol, name);
    const whole = await mapPieces(protocol, [bytes]);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }), async (cuts) => {
        expect(await mapPieces(protocol, splitAt(bytes, cuts))).toEqual(whole);
      }),
      { numRuns: 150 },
    );
    // The extreme: one byte at a time, so every multibyte character is split.
    expect(await mapPieces(protocol, splitAt(bytes, Array.from({ length: bytes.length }, (_, index) => index)))).toEqual(whole);
  });

  describe('through a real HTTP server', () => {
    let replay: Awaited<ReturnType<typeof startReplayServer>>;
    beforeAll(async () => {
      replay = await startReplayServer();
    });
    afterAll(async () => {
      await replay.close();
    });

    it.each(cases)('%s/%s: random splits over HTTP equal the unsplit stream', async (protocol, name) => {
      const bytes = fixtureBytes(protocol, name);
      const whole = await mapPieces(protocol, [bytes]);
      const model = modelFor(protocol, replay.url);
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { minLength: 1, maxLength: 20 }), async (cuts) => {
          replay.plan(splitAt(bytes, cuts));
          const outcome = await collectOutcome(model.stream({ messages: [{ role: 'user', content: 'hi' }], tools: [] }, {}));
          expect(outcome).toEqual(whole);
        }),
        { numRuns: 12 },
      );
    });
  });
});
