import { compareStreamIds, emptyRunView, foldRun, type LoggedEvent, type ParsedRunEvent, type RunView } from '../../src/protocol/index.js';

/**
 * What a viewer shows, through the protocol's reducer. `step.finished` is left
 * out: it carries the step's final text, and these checks are about what the
 * deltas and rollbacks alone rebuild, as viewers see it while it streams.
 */
function foldStreamed(events: readonly ParsedRunEvent[]): RunView {
  return events.reduce((view, event) => (event.type === 'step.finished' ? view : foldRun(view, event)), emptyRunView('replay'));
}

/** Each step's text rebuilt from its deltas and rollbacks. */
export function rebuildStepTexts(events: readonly ParsedRunEvent[]): Map<number, string> {
  return new Map(foldStreamed(events).steps.map((step) => [step.step, step.text]));
}

/** Each step's reasoning blocks rebuilt from their deltas and rollbacks; compare with the transcript's. */
export function rebuildStepReasoning(events: readonly ParsedRunEvent[]): Map<number, { blockId: string; text: string }[]> {
  return new Map(foldStreamed(events).steps.map((step) => [step.step, step.reasoning.map(({ blockId, text }) => ({ blockId, text }))]));
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
