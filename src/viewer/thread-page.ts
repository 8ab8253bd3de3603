import { emptyThreadView, foldThread, type RunView, type StepView, type ThreadView } from '../protocol/index.js';
import { byId, el } from './dom.js';
import { LiveStream, setStatus } from './live-stream.js';
import { approvalDecider, type DecideApproval } from './approval-controls.js';
import { StepCard } from './step-card.js';

/**
 * One thread, live: its one events stream (every turn's events, in order)
 * folded by the protocol's `foldThread`, each turn drawn as a run's steps.
 * The thread's viewer token also opens each turn's own run page.
 */
const threadId = decodeURIComponent(location.pathname.split('/').filter(Boolean).at(-1) ?? '');
const token = new URLSearchParams(location.search).get('token');
let view: ThreadView = emptyThreadView(threadId);
const turnCards = new Map<string, TurnCard>();
let earlier: StepsList | undefined;

/** Step cards of one turn (or of the earlier turns a snapshot holds), redrawn when their step changes. */
class StepsList {
  readonly list = el('ol', 'timeline');
  private readonly cards = new Map<number, StepCard>();
  private shown: readonly StepView[] = [];

  /** `decide`: a turn's waiting calls get buttons when the tab holds an API key. */
  constructor(private readonly decide?: DecideApproval) {}

  show(steps: readonly StepView[]): void {
    for (const [index, step] of steps.entries()) {
      if (this.shown[index] === step) continue;
      let card = this.cards.get(index);
      if (!card) {
        card = new StepCard(step.step, this.decide);
        this.cards.set(index, card);
        this.list.append(card.card);
      }
      card.show(step);
    }
    this.shown = steps;
  }
}

class TurnCard {
  readonly section = el('li', 'turn');
  private readonly head = el('div', 'turn-head');
  private readonly question = el('div', 'turn-input');
  private readonly steps: StepsList;
  private shown: RunView | undefined;

  constructor(runId: string) {
    this.steps = new StepsList(approvalDecider(runId));
    this.section.dataset.runId = runId;
    this.section.append(this.head, this.question, this.steps.list);
  }

  show(turn: RunView): void {
    if (turn === this.shown) return;
    this.shown = turn;
    const number = turn.turn?.turn;
    if (number !== undefined) this.section.dataset.turn = String(number);
    this.section.dataset.status = turn.status;
    const link = el('a', 'turn-run', turn.runId);
    link.href = `/runs/${encodeURIComponent(turn.runId)}${token ? `?token=${encodeURIComponent(token)}` : ''}`;
    const queued = turn.turn?.state === 'queued' ? ` · queued (${turn.turn.position} ahead)` : '';
    this.head.replaceChildren(`Turn ${number ?? '?'} · `, el('span', `badge ${turn.status}`, turn.status), `${queued} · `, link);
    // The turn's input is in its result once it ends; the stream does not repeat it while it runs.
    const input = turn.result?.messages.find((message) => message.role === 'user')?.content;
    this.question.textContent = input ?? '';
    this.steps.show(turn.steps);
  }
}

function show(next: ThreadView): void {
  if (next.earlier.length > 0 || earlier) {
    earlier ??= new StepsList();
    const section = byId('earlier');
    if (!section.contains(earlier.list)) section.append(el('div', 'turn-head', 'Earlier turns (from the stored transcript)'), earlier.list);
    section.hidden = next.earlier.length === 0;
    earlier.show(next.earlier);
  }
  if (next.turns.length === 0 && view.turns.length > 0) {
    // A snapshot replaced what was folded.
    turnCards.clear();
    byId('turns').replaceChildren();
  }
  for (const turn of next.turns) {
    let card = turnCards.get(turn.runId);
    if (!card) {
      card = new TurnCard(turn.runId);
      turnCards.set(turn.runId, card);
    }
    card.show(turn);
  }
  // Turns keep the thread's order (a turn joined mid-way may be placed before one seen earlier).
  byId('turns').replaceChildren(...next.turns.map((turn) => turnCards.get(turn.runId)!.section));
  setStatus(next.status);
  byId('summary').hidden = next.status !== 'closed';
  if (next.status === 'closed') {
    byId('summary').textContent = `closed${next.closedBy ? ` (${next.closedBy})` : ''} · ${next.turns.length} turn${next.turns.length === 1 ? '' : 's'} shown`;
    stream.end();
  }
}

const stream = new LiveStream({
  kind: 'threads',
  id: threadId,
  noun: 'thread',
  lastEventId: () => view.lastEventId,
  receive: (event, id) => {
    const next = foldThread(view, event, id);
    if (next === view) return;
    show(next);
    view = next;
  },
});

byId('thread-id').textContent = threadId;
document.title = `runstream · ${threadId}`;
stream.connect();
