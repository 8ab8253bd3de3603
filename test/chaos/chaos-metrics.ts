import type { ParsedRunEvent } from '../../src/protocol/index.js';

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
  const lengths = new Map<number, number>();
  let rolledBack = 0;
  for (const event of events) {
    if (event.type === 'step.started') lengths.set(event.step, 0);
    if (event.type === 'text.delta') lengths.set(event.step, event.offset + event.text.length);
    if (event.type === 'step.resumed') {
      rolledBack += Math.max(0, (lengths.get(event.step) ?? 0) - event.offset);
      lengths.set(event.step, Math.min(lengths.get(event.step) ?? 0, event.offset));
    }
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
