import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { RunStore, type RunState, type RunStoreOptions } from './run-store.js';

export type UseRunOptions = RunStoreOptions;

/**
 * A run as it streams, folded (`foldRun`): text per step (rolled back on
 * `step.resumed`), reasoning, tool calls with arguments, progress, results
 * and approvals, usage, status, plus `reconnecting` and `streamError`. Resumes after
 * a network drop from the last event shown, so no text appears twice;
 * `renewToken` is asked for a fresh viewer token before the current one expires.
 */
export function useRun(options: UseRunOptions): RunState {
  // The latest callback without reconnecting when the app passes a new function each render.
  const renew = useRef(options.renewToken);
  renew.current = options.renewToken;
  const [store] = useStoreFor(options.url, options.runId, () =>
    new RunStore({ ...options, renewToken: options.renewToken ? (runId) => renew.current!(runId) : undefined }),
  );
  useEffect(() => store.setToken({ token: options.token, expiresAt: options.tokenExpiresAt }), [store, options.token, options.tokenExpiresAt]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/** One store per url and run; a new run id gets a new store. */
function useStoreFor(url: string, runId: string, create: () => RunStore): [RunStore] {
  const [entry, setEntry] = useState(() => ({ url, runId, store: create() }));
  if (entry.url !== url || entry.runId !== runId) {
    const next = { url, runId, store: create() };
    setEntry(next);
    return [next.store];
  }
  return [entry.store];
}
