import { emptyRunView, foldRun, type ParsedRunEvent, type RunView } from '../../src/protocol/index.js';

/** Characters of `expected` missing from `shown` and characters of `shown` not in `expected` (by LCS). */
export function compareTexts(expected: string, shown: string): { lost: number; duplicated: number } {
  if (expected === shown) return { lost: 0, duplicated: 0 };
  const previous = new Uint32Array(shown.length + 1);
  const current = new Uint32Array(shown.length + 1);
  for (let i = 1; i <= expected.length; i++) {
    for (let j = 1; j <= shown.length; j++) {
      current[j] = expected[i - 1] === shown[j - 1] ? previous[j - 1]! + 1 : Math.max(previous[j]!, current[j - 1]!);
    }
    previous.set(current);
  }
  const common = previous[shown.length]!;
  return { lost: expected.length - common, duplicated: shown.length - common };
}

/** Characters viewers had to take back: for each `step.resumed`, what they showed beyond its offset. */
export function rolledBackCharacters(events: ParsedRunEvent[]): number {
  const textOf = (view: RunView, step: number) => view.steps.find((candidate) => candidate.step === step)?.text.length ?? 0;
  let view = emptyRunView('');
  let rolledBack = 0;
  for (const event of events) {
    const next = foldRun(view, event);
    if (event.type === 'step.resumed') rolledBack += textOf(view, event.step) - textOf(next, event.step);
    view = next;
  }
  return rolledBack;
}

/** Deterministic prose for scripts, with non-ASCII characters so offsets are UTF-16 aware. */
export function scriptText(seed: number, words: number): string {
  const vocabulary = ['durable', 'stream', 'token', 'résumé', 'worker', 'crash', 'café', 'log', 'offset', 'heartbeat', 'naïve', 'run', '—', 'Temporal', 'Redis'];
  let state = seed * 7919 + 17;
  const out: string[] = [];
  for (let index = 0; index < words; index++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out.push(vocabulary[state % vocabulary.length]!);
  }
  return `${out.join(' ')}.`;
}
