import { describe, expect, it } from 'vitest';
import { emptyThreadView, foldThread, type ParsedRunEvent, type ThreadView } from '../../../src/protocol/index.js';

const at = '2026-01-01T00:00:00.000Z';
const threadId = 'thr_1';
const turn = (runId: string, number: number, position = 0) => ({ runId, at, threadId, turn: number, position });
const usage = { inputTokens: 1, outputTokens: 2, totalTokens: 3 };
const result = (output: string) => ({ output, messages: [], usage, steps: 1, finishReason: 'stop' as const });

/** A thread's log, ids in log order (`1-0`, `2-0`, …) as the API streams them. */
function logOf(events: ParsedRunEvent[]): { id: string; event: ParsedRunEvent }[] {
  return events.map((event, index) => ({ id: `${index + 1}-0`, event }));
}
const fold = (entries: { id: string; event: ParsedRunEvent }[], view: ThreadView = emptyThreadView(threadId)) =>
  entries.reduce((current, { id, event }) => foldThread(current, event, id), view);

const twoTurns: ParsedRunEvent[] = [
  { type: 'turn.queued', ...turn('run_a', 1) },
  { type: 'turn.started', ...turn('run_a', 1) },
  { type: 'run.started', runId: 'run_a', at, model: 'demo', tools: [], maxSteps: 4, threadId },
  { type: 'step.started', runId: 'run_a', at, step: 1 },
  { type: 'text.delta', runId: 'run_a', at, step: 1, offset: 0, text: 'Paris' },
  { type: 'turn.queued', ...turn('run_b', 2, 1) },
  { type: 'text.delta', runId: 'run_a', at, step: 1, offset: 5, text: ' is' },
  { type: 'step.resumed', runId: 'run_a', at, step: 1, offset: 5, attempt: 2 },
  { type: 'text.delta', runId: 'run_a', at, step: 1, offset: 5, text: ' it.' },
  { type: 'step.finished', runId: 'run_a', at, step: 1, text: 'Paris it.', toolCalls: [], usage, finishReason: 'stop' },
  { type: 'run.completed', runId: 'run_a', at, result: result('Paris it.') },
  { type: 'turn.finished', ...turn('run_a', 1), status: 'completed' },
  { type: 'turn.started', ...turn('run_b', 2) },
  { type: 'run.started', runId: 'run_b', at, model: 'demo', tools: [], maxSteps: 4, threadId },
  { type: 'step.started', runId: 'run_b', at, step: 1 },
  { type: 'text.delta', runId: 'run_b', at, step: 1, offset: 0, text: 'Berlin' },
];

describe('foldThread', () => {
  it('folds every turn as its own run, in turn order, with rollback inside a turn', () => {
    const view = fold(logOf(twoTurns));
    expect(view.turns.map((run) => [run.runId, run.turn?.turn, run.status])).toEqual([
      ['run_a', 1, 'completed'],
      ['run_b', 2, 'running'],
    ]);
    expect(view.turns[0]!.steps[0]!.text).toBe('Paris it.');
    expect(view.turns[1]!.steps[0]!.text).toBe('Berlin');
    expect(view.status).toBe('running');
    expect(view.lastEventId).toBe(`${twoTurns.length}-0`);
  });

  it('is idle between turns, closed after thread.closed, and ignores replayed ids', () => {
    const log = logOf([
      ...twoTurns,
      { type: 'run.completed', runId: 'run_b', at, result: result('Berlin') },
      { type: 'turn.finished', ...turn('run_b', 2), status: 'completed' },
    ]);
    const idle = fold(log);
    expect(idle.status).toBe('idle');
    // A reconnect that replays from an earlier id changes nothing.
    expect(fold(log.slice(3), idle)).toBe(idle);
    const closed = foldThread(idle, { type: 'thread.closed', runId: threadId, at, threadId, turns: 2, closedBy: 'request' }, '99-0');
    expect(closed).toMatchObject({ status: 'closed', closedBy: 'request' });
  });

  it('is waiting while a turn waits for a person', () => {
    const view = fold(
      logOf([
        ...twoTurns,
        { type: 'tool_call.ready', runId: 'run_b', at, step: 1, callId: 'c1', name: 'send_email', arguments: {} },
        { type: 'tool.approval_requested', runId: 'run_b', at, step: 1, callId: 'c1', name: 'send_email', arguments: {}, expiresAt: at },
      ]),
    );
    expect(view.status).toBe('waiting');
    expect(view.turns[1]!.pendingApprovals).toHaveLength(1);
  });

  it('starts from a snapshot when the log no longer covers the turns asked for, then folds what follows', () => {
    const snapshot: ParsedRunEvent = {
      type: 'snapshot',
      runId: threadId,
      at,
      status: 'running',
      messages: [
        { role: 'user', content: 'capital of France?' },
        { role: 'assistant', content: 'Paris it.' },
      ],
    };
    const view = fold(logOf([snapshot, ...twoTurns.slice(-3)]));
    expect(view.earlier.map((step) => step.text)).toEqual(['Paris it.']);
    expect(view.turns.map((run) => run.runId)).toEqual(['run_b']);
    expect(view.turns[0]!.steps[0]!.text).toBe('Berlin');
  });

  it('passes over event types it does not know', () => {
    const view = fold(logOf(twoTurns));
    expect(foldThread(view, { type: 'unknown', raw: { type: 'turn.renamed' } }, '100-0').turns).toBe(view.turns);
  });
});
