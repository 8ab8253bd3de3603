import { createClient, RunstreamApiError, type RunstreamClient, type SubscribeOptions } from '../client/index.js';
import type { LoggedEvent, ParsedRunEvent } from '../protocol/index.js';
import { renewalDelayMs, tokenExpiry, type ViewerTokenGrant } from './view-token.js';

export interface StreamStoreOptions {
  /** The runstream API's base URL (its CORS settings must list the page's origin). */
  url: string;
  /** The run's (or thread's) viewer token, from the app's backend (never an API key). */
  token: string;
  tokenExpiresAt?: ViewerTokenGrant['expiresAt'];
  /** Asked before the token expires (and when a reconnect finds it expired) for a fresh one from the app's backend. */
  renewToken?: ((id: string) => Promise<ViewerTokenGrant | string>) | undefined;
  fetch?: typeof fetch;
  reconnectDelayMs?: number;
}

/** The state of the connection, next to the folded view. */
export interface StreamState {
  /** The stream dropped and is being resumed (after the last event shown: no text twice). */
  reconnecting: boolean;
  /** Why the stream stopped for good (404, 403, a token that could not be renewed); a run's own failure is its `error`. */
  streamError: Error | undefined;
}

/** What a store follows: one run's or one thread's events, and how they fold. */
export interface StreamSource<View extends { lastEventId?: string }> {
  /** The run's or thread's id (what `renewToken` is asked for). */
  id: string;
  initial: View;
  fold(view: View, event: ParsedRunEvent, id: string): View;
  subscribe(client: RunstreamClient, options: SubscribeOptions): AsyncGenerator<LoggedEvent>;
}

/**
 * One stream's events folded into a view, outside any framework: `subscribe`
 * and `getSnapshot` fit React's useSyncExternalStore. The stream is open while
 * someone listens and resumes after the last event applied when listened to
 * again. Changes are published at most once per task, so a burst of deltas
 * that arrived together is one update, not one per delta.
 */
export class StreamStore<View extends { lastEventId?: string }> {
  private state: View & StreamState;
  private pending: (View & StreamState) | undefined;
  private flushScheduled = false;
  private readonly listeners = new Set<() => void>();
  private abort: AbortController | undefined;
  private grant: ViewerTokenGrant;
  private renewal: ReturnType<typeof setTimeout> | undefined;
  private renewing: Promise<void> | undefined;
  /** How many updates were published (a measure of re-renders). */
  updates = 0;

  constructor(
    private readonly options: StreamStoreOptions,
    private readonly source: StreamSource<View>,
  ) {
    this.state = { ...source.initial, reconnecting: false, streamError: undefined };
    this.grant = { token: options.token, expiresAt: options.tokenExpiresAt };
  }

  getSnapshot = (): View & StreamState => this.state;

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
        const events = this.source.subscribe(client, {
          after: this.current().lastEventId,
          signal: abort.signal,
          token: () => this.freshToken(),
          onOpen: () => this.update((state) => (state.reconnecting ? { ...state, reconnecting: false } : state)),
          onReconnect: () => this.update((state) => (state.reconnecting ? state : { ...state, reconnecting: true })),
        });
        for await (const { id, event } of events) {
          this.update((state) => {
            const view = this.source.fold(state, event, id);
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

  private current(): View & StreamState {
    return this.pending ?? this.state;
  }

  private update(change: (state: View & StreamState) => View & StreamState): void {
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
        const answer = await renewToken(this.source.id);
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
