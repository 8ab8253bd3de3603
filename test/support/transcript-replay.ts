import type { LoggedEvent, RunEvent } from '../../src/events.js';
import { compareStreamIds } from '../../src/bus/stream-id.js';

/**
 * What a viewer shows: each step's text rebuilt by applying `text.delta` at
 * its offset and rolling back on `step.resumed`, exactly as API.md describes.
 */
export function rebuildStepTexts(events: RunEvent[]): Map<number, string> {
  const texts = new Map<number, string>();
  for (const event of events) {
    if (event.type === 'step.started') texts.set(event.step, texts.get(event.step) ?? '');
    if (event.type === 'step.resumed') texts.set(event.step, (texts.get(event.step) ?? '').slice(0, event.offset));
    if (event.type === 'text.delta') {
      const current = texts.get(event.step) ?? '';
      texts.set(event.step, current.slice(0, event.offset) + event.text);
    }
  }
  return texts;
}

/**
 * Each step's reasoning as a viewer rebuilds it: `reasoning.delta` appended to
 * its block, and on `step.resumed` only the listed blocks kept, cut to their
 * length. Compare with the transcript's reasoning blocks.
 */
export function rebuildStepReasoning(events: RunEvent[]): Map<number, { blockId: string; text: string }[]> {
  const steps = new Map<number, Map<string, string>>();
  const blocksOf = (step: number) => steps.get(step) ?? steps.set(step, new Map()).get(step)!;
  for (const event of events) {
    if (event.type === 'step.started') blocksOf(event.step);
    if (event.type === 'step.resumed' && event.reasoning) {
      const before = blocksOf(event.step);
      steps.set(event.step, new Map(event.reasoning.map(({ blockId, length }) => [blockId, (before.get(blockId) ?? '').slice(0, length)])));
    }
    if (event.type === 'reasoning.delta') {
      const blocks = blocksOf(event.step);
      blocks.set(event.blockId, (blocks.get(event.blockId) ?? '') + event.text);
    }
  }
  return new Map([...steps].map(([step, blocks]) => [step, [...blocks].map(([blockId, text]) => ({ blockId, text }))]));
}

/** A transcript message's reasoning in the shape `rebuildStepReasoning` gives. */
export const reasoningOf = (message: { reasoning?: { blockId: string; text: string }[] | undefined }) =>
  (message.reasoning ?? []).map(({ blockId, text }) => ({ blockId, text }));

export function expectStrictlyIncreasing(events: LoggedEvent[]): boolean {
  return events.every((entry, index) => index === 0 || compareStreamIds(events[index - 1]!.id, entry.id) < 0);
}

export async function collect(iterable: AsyncIterable<LoggedEvent>, onEach?: (entry: LoggedEvent) => void): Promise<LoggedEvent[]> {
  const events: LoggedEvent[] = [];
  for await (const entry of iterable) {
    events.push(entry);
    onEach?.(entry);
  }
  return events;
}
