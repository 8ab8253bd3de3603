import { createClient, RunstreamApiError } from '../client/index.js';
import { emptyRunView, foldRun, type RunView } from '../protocol/index.js';
import { renewalDelayMs, tokenExpiry, type ViewerTokenGrant } from './view-token.js';

export interface RunStoreOptions {
  /** The runstream API's base URL (its CORS settings must list the page's origin). */
  url: string;
  runId: string;
  /** The run's viewer token, from the app's backend (never an API key). */
  token: string;
  tokenExpiresAt?: ViewerTokenGrant['expiresAt'];
  /** Asked before the token expires (and when a reconnect finds it expired) for a fresh one from the app's backend. */
  renewToken?: ((runId: string) => Promise<ViewerTokenGrant | string>) | undefined;
  fetch?: typeof fetch;
  reconnectDelayMs?: number;
}

/** What `useRun` returns: the folded run, and the state of the connection. */
export type RunState = RunView & {
  /** The stream dropped and is being resumed (after the last event shown: no text twice). */
  reconnecting: boolean;
  /** Why the stream stopped for good (404, 403, a token that could not be renewed); the run's own failure is `error`. */
  streamError: Error | undefined;
};

/**
 * One run's events folded into a view, outside any framework: `subscribe` and
 * `getSnapshot` fit React's useSyncExternalStore. The stream is open while
 * someone listens and resumes after the last event applied when listened to
 * again. Changes are published at most once per task, so a burst of deltas
 * that arrived together is one update, not one per delta.
 */
export class RunStore {
  private state: RunState;
  private pending: RunState | undefined;
  private flushScheduled = false;
  private readonly listeners = new Set<() => void>();
  private abort: AbortController | undefined;
  private grant: ViewerTokenGrant;
  private renewal: ReturnType<typeof setTimeout> | undefined;
  private renewing: Promise<void> | undefined;
  /** How many updates were published (a measure of re-renders). */
  updates = 0;

  constructor(private readonly options: RunStoreOptions) {
    this.state = { ...emptyRunView(options.runId), reconnecting: false, streamError: undefined };
    this.grant = { token: options.token, expiresAt: options.tokenExpiresAt };
  }

  getSnapshot = (): RunState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  };

  /** A token the app obtained itself (a new prop): used from the next connect on. */
  setToken(grant: ViewerTokenGrant): void {
    if (grant.token === this.grant.token) return;
    this.grant = grant;
    this.scheduleRenewal();
  }

  private start(): void {
    const abort = (this.abort = new AbortController());
    this.scheduleRenewal();
    const client = createClient({ url: this.options.url, ...(this.options.fetch ? { fetch: this.options.fetch } : {}), reconnectDelayMs: this.options.reconnectDelayMs ?? 500 });
    void (async () => {
      try {
        const events = client.subscribe(this.options.runId, {
          after: this.current().lastEventId,
          signal: abort.signal,
          token: () => this.freshToken(),
          onOpen: () => this.update((state) => (state.reconnecting ? { ...state, reconnecting: false } : state)),
          onReconnect: () => this.update((state) => (state.reconnecting ? state : { ...state, reconnecting: true })),
        });
        for await (const { id, event } of events) {
          this.update((state) => {
            const view = foldRun(state, event, id);
            return view === state ? state : { ...view, reconnecting: false, streamError: undefined };
          });
        }
      } catch (error) {
        if (!abort.signal.aborted) this.update((state) => ({ ...state, reconnecting: false, streamError: error instanceof Error ? error : new Error(String(error)) }));
      }
    })();
  }

  private stop(): void {
    this.abort?.abort();
    this.abort = undefined;
    clearTimeout(this.renewal);
    this.renewal = undefined;
  }

  private current(): RunState {
    return this.pending ?? this.state;
  }

  private update(change: (state: RunState) => RunState): void {
    const next = change(this.current());
    if (next === this.current()) return;
    this.pending = next;
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setTimeout(() => {
      this.flushScheduled = false;
      if (!this.pending) return;
      this.state = this.pending;
      this.pending = undefined;
      this.updates++;
      for (const listener of this.listeners) listener();
    }, 0);
  }

  /** The token for a (re)connect: renewed first when it has expired or is about to. */
  private async freshToken(): Promise<string> {
    const expiresAt = tokenExpiry(this.grant);
    if (this.options.renewToken && expiresAt !== undefined && expiresAt - Date.now() < 5000) await this.renew();
    return this.grant.token;
  }

  private scheduleRenewal(): void {
    clearTimeout(this.renewal);
    const expiresAt = tokenExpiry(this.grant);
    if (!this.options.renewToken || expiresAt === undefined || !this.abort) return;
    this.renewal = setTimeout(() => void this.renew().catch(() => undefined), renewalDelayMs(expiresAt));
  }

  private renew(): Promise<void> {
    const renewToken = this.options.renewToken;
    if (!renewToken) return Promise.resolve();
    this.renewing ??= (async () => {
      try {
        const answer = await renewToken(this.options.runId);
        this.grant = typeof answer === 'string' ? { token: answer } : answer;
      } catch (error) {
        // The current token still works until it expires; a reconnect asks again.
        if (error instanceof RunstreamApiError && !error.isRetryable) throw error;
      } finally {
        this.renewing = undefined;
        this.scheduleRenewal();
      }
    })();
    return this.renewing;
  }
}
