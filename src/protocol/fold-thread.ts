import { isFinalStatus } from './event-types.js';
import type { ParsedRunEvent } from './events.js';
import { foldRun } from './fold-run.js';
import { emptyRunView, type RunView, type StepView } from './run-view.js';
import { compareStreamIds } from './stream-id.js';
import { stepsFromTranscript } from './transcript-steps.js';

export const threadStatuses = ['idle', 'running', 'waiting', 'closed'] as const;
export type ThreadStatus = (typeof threadStatuses)[number];

/**
 * A thread's stream once its events are applied (`foldThread`): every turn
 * seen, each its run folded by `foldRun`, so a turn's text follows the same
 * rules as a run's (offsets, rollback on resume). Never mutated.
 */
export interface ThreadView {
  threadId: string;
  status: ThreadStatus;
  /** The turns seen on the stream, in turn order; each is that turn's run. */
  turns: readonly RunView[];
  /**
   * The finished turns the stream did not replay (its log no longer held them):
   * the thread's transcript from a snapshot, as steps.
   */
  earlier: readonly StepView[];
  closedBy?: string;
  /** The id of the last event applied: resume the stream after it. */
  lastEventId?: string;
}

export function emptyThreadView(threadId: string): ThreadView {
  return { threadId, status: 'idle', turns: [], earlier: [] };
}

/**
 * Applies one event of a thread's stream. The stream is one log, so an id at
 * or before the last applied is a duplicate and changes nothing. Turn and run
 * events go to their turn (by `runId`); the thread's own events change its
 * status.
 */
export function foldThread(view: ThreadView, event: ParsedRunEvent, id?: string): ThreadView {
  if (id !== undefined && view.lastEventId !== undefined && compareStreamIds(id, view.lastEventId) <= 0) return view;
  const next = apply(view, event);
  return id === undefined ? next : { ...next, lastEventId: id };
}

function apply(view: ThreadView, event: ParsedRunEvent): ThreadView {
  if (event.type === 'unknown') return view;
  if (event.type === 'thread.closed') return { ...view, status: 'closed', closedBy: event.closedBy };
  if (event.type === 'snapshot') {
    // The thread's transcript so far replaces what was folded; later events build the turns again.
    const status = (threadStatuses as readonly string[]).includes(event.status) ? (event.status as ThreadStatus) : view.status;
    return { ...view, status, turns: [], earlier: stepsFromTranscript(event.messages) };
  }
  const index = view.turns.findIndex((turn) => turn.runId === event.runId);
  const current = index === -1 ? emptyRunView(event.runId) : view.turns[index]!;
  const folded = foldRun(current, event);
  if (folded === current && index !== -1) return view;
  const turns = index === -1 ? inTurnOrder([...view.turns, folded]) : view.turns.map((turn, at) => (at === index ? folded : turn));
  return { ...view, turns, status: view.status === 'closed' ? 'closed' : statusOf(turns) };
}

/** Turns whose number is not known yet (joined mid-turn) keep their place after the numbered ones. */
function inTurnOrder(turns: RunView[]): RunView[] {
  return turns
    .map((turn, at) => ({ turn, at }))
    .sort((a, b) => (a.turn.turn?.turn ?? Number.MAX_SAFE_INTEGER) - (b.turn.turn?.turn ?? Number.MAX_SAFE_INTEGER) || a.at - b.at)
    .map(({ turn }) => turn);
}

/** Waiting when a turn waits for a person, running while a turn runs, idle otherwise. */
function statusOf(turns: readonly RunView[]): ThreadStatus {
  const active = turns.filter((turn) => !isFinalStatus(turn.status) && turn.turn?.state !== 'finished' && turn.turn?.state !== 'queued');
  if (active.some((turn) => turn.status === 'waiting')) return 'waiting';
  return active.some((turn) => turn.status !== 'queued' || turn.turn?.state === 'started') ? 'running' : 'idle';
}
