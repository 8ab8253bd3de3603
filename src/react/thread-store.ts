import { emptyThreadView, foldThread, type ThreadView } from '../protocol/index.js';
import { StreamStore, type StreamState, type StreamStoreOptions } from './stream-store.js';

export interface ThreadStoreOptions extends StreamStoreOptions {
  threadId: string;
}

/** What `useThread` returns: every turn folded, and the state of the connection. */
export type ThreadState = ThreadView & StreamState;

/** One thread's stream folded by `foldThread`: each turn a run view (see StreamStore for how it streams). */
export class ThreadStore extends StreamStore<ThreadView> {
  constructor(options: ThreadStoreOptions) {
    super(options, {
      id: options.threadId,
      initial: emptyThreadView(options.threadId),
      fold: foldThread,
      subscribe: (client, subscribeOptions) => client.threads.subscribe(options.threadId, subscribeOptions),
    });
  }
}
