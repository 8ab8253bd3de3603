import { emptyThreadView, foldThread, type LoggedEvent, type ParsedRunEvent, type RunEventOf, type TerminalEvent, type ThreadView } from '../protocol/index.js';
import type { Message, RunResult, Usage } from '../protocol/messages.js';
import type { CreateRunRequest } from '../runs/run-request.js';
import type { SubscribeOptions } from './index.js';
import { createRunStream, type RunStream } from './run-stream.js';

/** `POST /v1/threads`: a run's settings without `input`; every turn runs with them. */
export type CreateThreadOptions = Omit<CreateRunRequest, 'input'>;

export interface SentMessage {
  threadId: string;
  /** The turn's run: `client.get`, `client.subscribe`, `client.cancel` work on it. */
  runId: string;
  turn: number;
  /** Turns ahead of this one when it was accepted (0: it runs now). */
  position: number;
}

/** A thread as `GET /v1/threads/:id` answers it. */
export interface ThreadDetails {
  id: string;
  status: 'idle' | 'running' | 'waiting' | 'closed';
  createdAt: string;
  model: string;
  turns: number;
  messages: Message[];
  usage: Usage;
  currentRunId?: string;
  queued: number;
  closedBy?: 'request' | 'idle';
}

/** One turn, streamed like a run: its events (the turn's run's) and its result. */
export type TurnStream = RunStream<SentMessage>;

export interface Thread {
  id: string;
  /** Read-only, for this thread and its turns; expires. */
  viewerToken?: string;
  eventsUrl?: string;
  /** The viewer page of this thread (every turn, live), with the viewer token. */
  viewerUrl?: string;
  /** Queues a turn; answers once the thread accepted it. */
  send(input: CreateRunRequest['input'], options?: { idempotencyKey?: string }): Promise<SentMessage>;
  /** Sends, then follows that turn: `{ run, events, result }` as `client.stream()` does for a run. */
  stream(input: CreateRunRequest['input'], options?: { idempotencyKey?: string; signal?: AbortSignal }): TurnStream;
  /** Every event of every turn, in order, after `after`; ends when the thread closes. */
  subscribe(options?: SubscribeOptions): AsyncGenerator<LoggedEvent>;
  get(): Promise<ThreadDetails>;
  /** Closes once the turns already accepted have run. */
  close(): Promise<{ id: string; status: 'closed' | 'closing' }>;
}

interface ClientParts {
  call<T>(method: string, path: string, body?: unknown): Promise<T>;
  follow(path: string, isLast: (event: ParsedRunEvent) => boolean, what: string, options?: SubscribeOptions): AsyncGenerator<LoggedEvent>;
  subscribe(runId: string, options?: { signal?: AbortSignal }): AsyncGenerator<LoggedEvent>;
  outcome(runId: string, event: TerminalEvent | RunEventOf<'snapshot'>): Promise<RunResult>;
}

/** A thread's stream ends with `thread.closed`, or a snapshot of a closed thread (its log expired). */
const isThreadEnd = (event: ParsedRunEvent) => event.type === 'thread.closed' || (event.type === 'snapshot' && event.status === 'closed');

export function createThreads(client: ClientParts) {
  const threadPath = (id: string) => `/v1/threads/${encodeURIComponent(id)}`;
  /**
   * Every event of every turn, in order, from `after` on, resumed with
   * Last-Event-ID; ends when the thread closes. With `token` (the thread's
   * viewer token, or a function that renews it) no API key is needed: this is
   * what a browser page uses.
   */
  const subscribe = (threadId: string, options: SubscribeOptions = {}) => client.follow(`${threadPath(threadId)}/events`, isThreadEnd, 'thread', options);
  /** The thread as state: every turn folded (`foldThread`), yielded after each event. */
  async function* watch(threadId: string, options: SubscribeOptions = {}): AsyncGenerator<ThreadView> {
    let view = emptyThreadView(threadId);
    for await (const { id, event } of subscribe(threadId, options)) {
      view = foldThread(view, event, id);
      yield view;
    }
  }
  const handle = (id: string, links: { viewerToken?: string; eventsUrl?: string; viewerUrl?: string } = {}): Thread => {
    const path = threadPath(id);
    const send = (input: CreateRunRequest['input'], options: { idempotencyKey?: string } = {}) =>
      client.call<SentMessage>('POST', `${path}/messages`, { input, ...options });
    return {
      id,
      ...links,
      send,
      stream: (input, options = {}) => {
        const { signal, ...sendOptions } = options;
        const sent = send(input, sendOptions).then((answer) => ({ ...answer, id: answer.runId }));
        return createRunStream(sent, (runId) => client.subscribe(runId, signal ? { signal } : {}), client.outcome);
      },
      subscribe: (options = {}) => subscribe(id, options),
      get: () => client.call<ThreadDetails>('GET', path),
      close: () => client.call<{ id: string; status: 'closed' | 'closing' }>('POST', `${path}/close`),
    };
  };
  return {
    /** Starts a thread; the same `idempotencyKey` answers the same thread. */
    create: async (options: CreateThreadOptions = {}): Promise<Thread> => {
      const created = await client.call<{ id: string; viewerToken: string; eventsUrl: string; viewerUrl: string }>('POST', '/v1/threads', options);
      return handle(created.id, { viewerToken: created.viewerToken, eventsUrl: created.eventsUrl, viewerUrl: created.viewerUrl });
    },
    /** A handle on an existing thread. */
    open: (threadId: string): Thread => handle(threadId),
    subscribe,
    watch,
    /** A fresh read-only viewer token for the thread and its turns (they expire). */
    viewerToken: (threadId: string) => client.call<{ viewerToken: string; expiresAt: string }>('POST', `${threadPath(threadId)}/viewer-token`),
  };
}
