import { compareStreamIds, parseRunEventJson, runEventTypes, type ParsedRunEvent } from '../protocol/index.js';
import { apiKeyName, byId } from './dom.js';

export interface LiveStreamOptions {
  /** `runs` or `threads`: the events route and the viewer-token route live under it. */
  kind: 'runs' | 'threads';
  id: string;
  /** Applies one event; the stream skips ids at or before `lastEventId()` itself. */
  receive(event: ParsedRunEvent, id: string | undefined): void;
  lastEventId(): string | undefined;
  /** What the page says when the stream cannot go on (no token, 403, 404). */
  noun: string;
}

/**
 * A viewer page's EventSource on one events stream, with the viewer token of
 * `?token=` (or a fresh one when the tab holds an API key), subscribed to
 * every event type of the protocol. The browser resumes with Last-Event-ID;
 * when it gives up (an expired token, the server gone) the page reopens after
 * the last event applied, renewing the token when it can.
 */
export class LiveStream {
  private token = new URLSearchParams(location.search).get('token');
  private source: EventSource | undefined;
  private ended = false;
  private retryDelay = 1_000;

  constructor(private readonly options: LiveStreamOptions) {}

  private get path(): string {
    return `/v1/${this.options.kind}/${encodeURIComponent(this.options.id)}`;
  }

  connect(): void {
    if (!this.token) {
      void this.renewToken().then((renewed) => {
        if (!renewed) return this.problem(`This page needs a viewer token (?token=…), or open the ${this.options.noun} from the list with an API key.`);
        this.token = renewed;
        this.connect();
      });
      return;
    }
    const params = new URLSearchParams({ token: this.token });
    const after = this.options.lastEventId();
    if (after) params.set('after', after);
    const opened = new EventSource(`${this.path}/events?${params}`);
    this.source = opened;
    opened.addEventListener('open', () => {
      this.retryDelay = 1_000;
      setConnection('live', '● live');
    });
    for (const type of runEventTypes) opened.addEventListener(type, this.receive);
    opened.addEventListener('error', () => {
      if (this.ended) return;
      setConnection('reconnecting', '◌ reconnecting…');
      if (opened.readyState === EventSource.CONNECTING) return;
      // Closed for good (an HTTP error such as an expired token, or the server went away): reopen ourselves.
      opened.close();
      setTimeout(() => void this.reopen(), this.retryDelay);
    });
  }

  /** The stream reached its last event: stop listening. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    setConnection('ended', '');
    this.source?.close();
  }

  problem(text: string): void {
    setConnection('closed', '');
    byId('problem').textContent = text;
    byId('problem').hidden = false;
  }

  private readonly receive = (message: MessageEvent<string>): void => {
    const id = message.lastEventId || undefined;
    const last = this.options.lastEventId();
    // The browser resumes with Last-Event-ID; ids at or before the last one applied are skipped all the same.
    if (id && last && compareStreamIds(id, last) <= 0) return;
    let event: ParsedRunEvent;
    try {
      event = parseRunEventJson(message.data);
    } catch (error) {
      console.warn('runstream: an event could not be read, skipped', error);
      return;
    }
    this.options.receive(event, id);
  };

  /** A fresh viewer token when this tab holds an API key; else undefined. */
  private async renewToken(): Promise<string | undefined> {
    const key = sessionStorage.getItem(apiKeyName);
    if (!key) return undefined;
    const response = await fetch(`${this.path}/viewer-token`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
    if (!response.ok) return undefined;
    return ((await response.json()) as { viewerToken?: string }).viewerToken;
  }

  private async reopen(): Promise<void> {
    const after = this.options.lastEventId() ?? '';
    const check = await fetch(`${this.path}/events?token=${encodeURIComponent(this.token ?? '')}&after=${after}`, {
      headers: { accept: 'text/event-stream' },
    }).catch(() => undefined);
    if (check) {
      void check.body?.cancel();
      if (check.status === 401) this.token = (await this.renewToken()) ?? this.token;
      if (check.status === 401 && !sessionStorage.getItem(apiKeyName)) {
        return this.problem(`The viewer token expired; ask for a new link (POST ${this.path.replace(this.options.id, ':id')}/viewer-token).`);
      }
      if (check.status === 403 || check.status === 404) return this.problem(`This ${this.options.noun} cannot be shown (HTTP ${check.status}).`);
    }
    this.retryDelay = Math.min(this.retryDelay * 2, 10_000);
    this.connect();
  }
}

export function setConnection(state: string, text: string): void {
  document.body.dataset.connection = state;
  byId('connection').textContent = text;
}

export function setStatus(status: string): void {
  document.body.dataset.status = status;
  byId('status').textContent = status;
  byId('status').className = `badge ${status}`;
}
