import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { RunStore, type RunState, type RunStoreOptions } from './run-store.js';
import type { StreamState, StreamStore, StreamStoreOptions } from './stream-store.js';
import { ThreadStore, type ThreadState, type ThreadStoreOptions } from './thread-store.js';

export type UseRunOptions = RunStoreOptions;
export type UseThreadOptions = ThreadStoreOptions;

/**
 * A run as it streams, folded (`foldRun`): text per step (rolled back on
 * `step.resumed`), reasoning, tool calls with arguments, progress, results
 * and approvals, usage, status, plus `reconnecting` and `streamError`. Resumes after
 * a network drop from the last event shown, so no text appears twice;
 * `renewToken` is asked for a fresh viewer token before the current one expires.
 */
export function useRun(options: UseRunOptions): RunState {
  return useStream(options, options.runId, (renewToken) => new RunStore({ ...options, renewToken }));
}

/**
 * A thread as it streams, folded (`foldThread`): every turn, each a run view
 * as `useRun` gives, in turn order, and the thread's status; with the
 * thread's viewer token (it reads the thread and its turns).
 */
export function useThread(options: UseThreadOptions): ThreadState {
  return useStream(options, options.threadId, (renewToken) => new ThreadStore({ ...options, renewToken }));
}

type Renew = StreamStoreOptions['renewToken'];

function useStream<View extends { lastEventId?: string }>(
  options: StreamStoreOptions,
  id: string,
  create: (renewToken: Renew) => StreamStore<View>,
): View & StreamState {
  // The latest callback without reconnecting when the app passes a new function each render.
  const renew = useRef(options.renewToken);
  renew.current = options.renewToken;
  const store = useStoreFor(options.url, id, () => create(options.renewToken ? (target) => renew.current!(target) : undefined));
  useEffect(() => store.setToken({ token: options.token, expiresAt: options.tokenExpiresAt }), [store, options.token, options.tokenExpiresAt]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/** One store per url and id; a new id gets a new store. */
function useStoreFor<Store>(url: string, id: string, create: () => Store): Store {
  const [entry, setEntry] = useState(() => ({ url, id, store: create() }));
  if (entry.url !== url || entry.id !== id) {
    const next = { url, id, store: create() };
    setEntry(next);
    return next.store;
  }
  return entry.store;
}
