/**
 * Thread and turn ids. A thread is `thr_<26 hex>`; its n-th turn is the run
 * `run_<same 26 hex>t<n>`, derived, not stored: the thread workflow starts the
 * same child id after a crash or a continue-as-new, every API process knows a
 * turn's thread from its id alone (viewer tokens, the thread log its events
 * also go to), and no other run id contains a `t` (theirs are hex).
 */

const threadPattern = /^thr_([0-9a-f]{26})$/;
const turnPattern = /^run_([0-9a-f]{26})t([1-9][0-9]{0,12})$/;

export const isThreadId = (value: string): boolean => threadPattern.test(value);

export function turnRunId(threadId: string, turn: number): string {
  const match = threadPattern.exec(threadId);
  if (!match) throw new Error(`not a thread id: ${threadId}`);
  return `run_${match[1]}t${turn}`;
}

/** The thread a turn's run belongs to; undefined for a run started on its own. */
export function threadOfRun(runId: string): { threadId: string; turn: number } | undefined {
  const match = turnPattern.exec(runId);
  return match ? { threadId: `thr_${match[1]}`, turn: Number(match[2]) } : undefined;
}
