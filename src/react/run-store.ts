import { emptyRunView, foldRun, type RunView } from '../protocol/index.js';
import { StreamStore, type StreamState, type StreamStoreOptions } from './stream-store.js';

export interface RunStoreOptions extends StreamStoreOptions {
  runId: string;
}

/** What `useRun` returns: the folded run, and the state of the connection. */
export type RunState = RunView & StreamState;

/** One run's events folded by `foldRun` (see StreamStore for how it streams). */
export class RunStore extends StreamStore<RunView> {
  constructor(options: RunStoreOptions) {
    super(options, {
      id: options.runId,
      initial: emptyRunView(options.runId),
      fold: foldRun,
      subscribe: (client, subscribeOptions) => client.subscribe(options.runId, subscribeOptions),
    });
  }
}
