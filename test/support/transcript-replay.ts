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
